/**
 * Issue 18 item 2, end to end: an 18 KB metadata snapshot nested 3,000 levels deep was acked and stored, and
 * audit_index then failed on every retry (stack overflow in the redaction); /readyz went 503, GET /api/audit/ hung
 * and answered stale data for every home, `projections rebuild` failed, `projections verify` said OK. Here the deep
 * snapshot and a poison event (a sync naming a home id that is not a UUID — what a future bug could write) are
 * appended straight to the store, past the bridge's bounds.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectionsList, projectionsRebuild, projectionsVerify } from '../../src/cli/projections-command.ts';
import { GENESIS_HASH, linkEvents, metadataWithoutChain } from '../../src/eventstore/hash-chain.ts';
import type { JsonObject, Position } from '../../src/eventstore/port.ts';
import { readRejections } from '../../src/projections/rejected-events.ts';
import { homeWithEveryRole, type TestHome } from '../support/fixtures.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { databaseTargets } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** A metadata snapshot nested `depth` levels deep (rooms in rooms), about 6 bytes a level. */
function deepSnapshot(depth: number): JsonObject {
  let value: JsonObject = { name: 'closet' };
  for (let level = 1; level < depth; level++) value = { r: value };
  return value;
}

describe.each(databaseTargets())('a poison event in the log (%s)', (target) => {
  let server: TestServer;
  let home: TestHome;
  let poisonPosition: Position;
  let deepPosition: Position;

  beforeAll(async () => {
    server = await startTestServer(target);
    home = await homeWithEveryRole(server);
    const store = server.stores.eventStore;
    const [provisioned] = await store.readStream(`gateway-${home.gatewayId}`);
    const metadata = metadataWithoutChain(provisioned!.metadata);
    const sync = (homeId: string, snapshot: JsonObject) => ({
      id: randomUUID(),
      type: 'HomeMetadataSynced',
      data: {
        session_id: randomUUID(),
        gateway_id: home.gatewayId,
        home_id: homeId,
        request_id: randomUUID(),
        metadata: snapshot,
      },
      metadata,
    });
    // Chained as ChainedAppends chains them: canonical JSON of a 3,000-deep value must not overflow either.
    const { events } = linkEvents(GENESIS_HASH, [
      sync(home.homeId, deepSnapshot(3000)),
      sync('not-a-uuid', { rooms: [] }),
    ]);
    const appended = await store.appendToStream(`gateway_telemetry-${home.gatewayId}`, events, {
      expectedRevision: 'no_stream',
    });
    poisonPosition = appended.position;
    deepPosition = (await store.readStream(`gateway_telemetry-${home.gatewayId}`))[0]!.position;
    // A later event, written through the API: the projections must get past the poison to show it.
    expect(
      (await home.people.owner.http.patch(`/api/gateways/${home.gatewayId}/`, { name: 'After the poison' })).status,
    ).toBe(200);
  });
  afterAll(() => server?.stop());

  it('GET /api/audit/ does not hang on a poisoned audit_index: it answers with the events after the poison', async () => {
    const response = await home.people.owner.http.get(`/api/audit/?home_id=${home.homeId}&limit=500`);
    expect(response.status).toBe(200);
    const items = response.body.items as Array<{ position: string; type: string; data: Record<string, unknown> }>;
    expect(items.find((item) => item.type === 'GatewayRenamed')?.data).toMatchObject({ name: 'After the poison' });
    // The 3,000-deep snapshot is no poison any more: the redaction is iterative.
    expect(items.map((item) => item.position)).toContain(deepPosition);
    expect(items.map((item) => item.position)).not.toContain(poisonPosition);
  });

  it('audit_index records the poison event as a dead letter (where and why, not its data) and goes on', async () => {
    const [rejected, ...more] = await readRejections(server.stores.readModels.knex, 'audit_index');
    expect(more).toEqual([]);
    expect(rejected).toMatchObject({
      position: poisonPosition,
      stream: `gateway_telemetry-${home.gatewayId}`,
      revision: 1,
      event_type: 'HomeMetadataSynced',
      attempts: 3,
    });
    expect(rejected!.error).toMatch(/22P02: invalid input syntax for type uuid/);
  });

  it('/readyz stays 200 but says degraded, naming the rejected event per projection', async () => {
    // Readiness reads the lag sampler's last sample (taken every second): the rejection shows in the next one.
    // Wait for audit_index's own rejection: other projections that reject the same event may show first.
    const auditRejections = async () => {
      const checks = (await home.people.owner.http.get('/readyz')).body.checks as Array<{
        name: string;
        detail: unknown;
      }>;
      const detail = checks.find((c) => c.name === 'projections')!.detail as Array<{
        name: string;
        rejected: { count: number };
      }>;
      return detail.find((status) => status.name === 'audit_index')?.rejected.count;
    };
    await expect.poll(auditRejections, { timeout: 5000, interval: 100 }).toBe(1);
    const response = await home.people.owner.http.get('/readyz');
    expect(response.status).toBe(200);
    const projections = (
      response.body.checks as Array<{ name: string; ok: boolean; degraded: boolean; detail: unknown }>
    ).find((c) => c.name === 'projections')!;
    expect(projections).toMatchObject({ ok: true, degraded: true });
    const audit = (
      projections.detail as Array<{
        name: string;
        stalled: boolean;
        rejected: { count: number; latest: { position: string } };
      }>
    ).find((status) => status.name === 'audit_index');
    expect(audit).toMatchObject({
      stalled: false,
      rejected: { count: 1, latest: { position: poisonPosition, eventType: 'HomeMetadataSynced' } },
    });
  });

  it('projections list and verify report the rejection instead of passing; rebuild completes past it', async () => {
    // Embedded PGlite: the CLI runs once the server has let go of DATA_DIR.
    if (target === 'pglite') await server.close();
    const config = cliConfig(server.env);

    const list = captureIo();
    const statuses = await projectionsList(config, list);
    expect(statuses.find((status) => status.name === 'audit_index')!.rejected.count).toBe(1);
    expect(list.output()).toMatch(
      new RegExp(
        `REJECTED audit_index: 1 event\\(s\\) could not be applied and were skipped; latest at ${poisonPosition} \\(HomeMetadataSynced\\): .*22P02`,
      ),
    );

    const verify = captureIo();
    expect(await projectionsVerify(config, verify)).toBe(1);
    expect(verify.output()).toContain('REJECTED audit_index: 1 event(s)');
    expect(verify.output()).toContain('OK users');

    const rebuild = captureIo();
    const [result] = await projectionsRebuild(config, ['audit_index'], {}, rebuild);
    expect(result).toMatchObject({ projection: 'audit_index', rejected: 1 });
    expect(rebuild.output()).toContain('REJECTED audit_index: 1 event(s) could not be applied');
    // The rebuilt dead letters replaced the live ones: still exactly the poison event.
    const after = captureIo();
    await projectionsList(config, after);
    expect(after.output()).toContain(
      `REJECTED audit_index: 1 event(s) could not be applied and were skipped; latest at ${poisonPosition}`,
    );
  });
});
