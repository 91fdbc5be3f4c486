import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditExport, auditVerify } from '../../src/cli/audit-command.ts';
import { projectionsVerify } from '../../src/cli/projections-command.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { AUDITED_EVENT_TYPES } from '../../src/projections/read-models/audit/audit-event-types.ts';
import { chainOf } from '../../src/eventstore/hash-chain.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import type { WalkResult } from '../support/account-walk.ts';
import { WALK_EDGE_USER_AGENT } from '../support/bridge-walk.ts';
import { walkCatalogue, type CatalogueWalkResult } from '../support/catalogue-walk.ts';
import { HttpClient, type JsonResponse } from '../support/http.ts';
import { MovableClock } from '../support/movable-clock.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { databaseTargets } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Event types in the catalogue that the walk below does not produce yet. Each entry needs a reason; remove it as
 * soon as a capability's use cases join the walk (test/support/catalogue-walk.ts and the walks it runs). Every
 * type is walked today: a new capability adds its types here (with the reason) until its walk lands.
 */
const LEAVING =
  'leaving ends the account or home the rest of this walk audits; test/integration/crypto-shredding.test.ts and test/api/leaving.test.ts drive it over real HTTP';
const NOT_PRODUCED_BY_THIS_WALK_YET: Record<string, string> = {
  ProjectionRebuildFailed:
    'only a rebuild that failed or whose node died records it; test/api/admin-rebuild.test.ts drives an abandoned one over real HTTP',
  UserAccountDeleted: LEAVING,
  HomeOwnershipTransferred: LEAVING,
  HomeDeleted: LEAVING,
  PersonalDataErased: LEAVING,
  UserRegistrationAbandoned:
    'only a registration killed between its claim and its user leaves what it closes; test/integration/crash-between-appends.test.ts drives it over real HTTP (a crashed child server, then a restart)',
  UserEmailClaimLapsed:
    'only an e-mail change killed half-way leaves a claim its holder does not use; test/integration/crash-between-appends.test.ts drives it over real HTTP (a crashed child server, then a restart)',
  GatewayProvisioningAbandoned:
    'only a provisioning or pairing killed before writing its gateway leaves what it closes; test/integration/crash-between-appends.test.ts drives it over real HTTP (a crashed child server, then a restart)',
};

/** Metadata every stored event must carry: who, on whose behalf, from where, why, when, and its chain link. */
const REQUIRED_METADATA = [
  'actor',
  'on_behalf_of',
  'correlation_id',
  'causation_id',
  'request_id',
  'client_address',
  'user_agent',
  'occurred_at',
  'schema_version',
  'metadata_version',
  'chain',
] as const;

async function allEvents(server: TestServer): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (;;) {
    const page = await server.stores.eventStore.readAll({ after: events.at(-1)?.position ?? null, maxCount: 1000 });
    events.push(...page);
    if (page.length < 1000) return events;
  }
}

describe.each(databaseTargets())('audit history (%s)', (target) => {
  let server: TestServer;
  let walk: WalkResult;
  let catalogueWalk: CatalogueWalkResult;
  let events: RecordedEvent[];
  const clock = new MovableClock();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-audit-'));

  beforeAll(async () => {
    // The sweeper must expire the walk's queued command within the test's patience; pairing expiry moves the clock.
    // Rebuild pages of one event, each reported: the walk's rebuild records its progress.
    const rebuildProgress = { REBUILD_PAGE_SIZE: '1', REBUILD_PROGRESS_INTERVAL_MS: '0' };
    server = await startTestServer(
      target,
      { REMOTE_COMMAND_SWEEP_INTERVAL_MS: '100', ...rebuildProgress },
      { clock: clock.now },
    );
    catalogueWalk = await walkCatalogue(server, clock);
    walk = catalogueWalk.account;
    // On a Postgres server $all shows a transaction once no older one is still running anywhere in the cluster
    // (other test files write there too): wait until every stored event is readable.
    const stored = async () => Number((await server.stores.readModels.knex('es_events').count({ n: '*' }))[0]!.n);
    await vi.waitFor(async () => {
      events = await allEvents(server);
      expect(events.length).toBe(await stored());
    });
  }, 180_000);
  afterAll(async () => {
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('every stored event is in the catalogue and carries full metadata', () => {
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(eventCatalogue.types(), `event ${event.type}`).toContain(event.type);
      const missing = REQUIRED_METADATA.filter(
        (key) => event.metadata[key] === undefined || event.metadata[key] === '',
      );
      expect(missing, `${event.type} in ${event.streamName} lacks metadata`).toEqual([]);
      const actor = event.metadata.actor as { kind: string; id: string | null };
      expect(['user', 'staff', 'gateway', 'operator', 'system', 'anonymous']).toContain(actor.kind);
      if (actor.kind !== 'anonymous') expect(typeof actor.id).toBe('string');
      // A gateway acts over its bridge session, or over HTTP when it redeems a pairing code.
      if (actor.kind === 'gateway') expect(event.metadata.gateway_session_id ?? event.metadata.request_id).toBeTruthy();
      expect(Number.isNaN(Date.parse(event.metadata.occurred_at as string))).toBe(false);
      expect(event.metadata.schema_version).toBe(eventCatalogue.get(event.type).schemaVersion);
      expect(chainOf(event.metadata)).toMatchObject({ alg: 'sha256', v: 1 });
    }
  });

  it('every event says where it came from and why, by kind of actor', () => {
    const seen = new Set<string>();
    for (const event of events) {
      const metadata = event.metadata;
      const actor = metadata.actor as { kind: string; id: string | null };
      const where = `${event.type} by ${actor.kind} in ${event.streamName}`;
      expect(typeof metadata.correlation_id, where).toBe('string');
      expect(typeof metadata.causation_id, where).toBe('string');
      seen.add(actor.kind);
      if (actor.kind === 'system') {
        // No request behind it: the process acted, from this node, within the flow it belongs to.
        expect(metadata.request_id, where).toBeNull();
        expect(metadata.user_agent, where).toBeNull();
        expect(metadata.client_address, where).toBe(server.nodeId);
        if (event.streamName.startsWith('remote_command-')) {
          const earlier = events.filter(
            (other) => other.streamName === event.streamName && other.revision < event.revision,
          );
          expect(metadata.correlation_id, where).toBe(earlier[0]!.metadata.correlation_id);
          expect(
            earlier.map((other) => other.id),
            where,
          ).toContain(metadata.causation_id);
        }
      } else if (actor.kind === 'operator') {
        // The CLI at a machine (the staff role): no request; the host and the CLI as user agent.
        expect(metadata.request_id, where).toBeNull();
        expect(typeof metadata.client_address, where).toBe('string');
        expect(metadata.user_agent, where).toBe('smarthome-cloud cli');
      } else if (actor.kind === 'gateway' && metadata.gateway_session_id !== undefined) {
        // Over the bridge: the session, the socket's address and user agent, and the frame that caused it.
        expect(typeof metadata.client_address, where).toBe('string');
        expect(metadata.user_agent, where).toBe(WALK_EDGE_USER_AGENT);
        const frameRequest = event.type.startsWith('RemoteCommand')
          ? event.data.command_id
          : (event.data.request_id ?? null);
        expect(metadata.request_id, where).toBe(frameRequest);
      } else {
        // Over HTTP (users; a gateway redeeming a pairing code): the request, its address and user agent.
        expect(typeof metadata.request_id, where).toBe('string');
        expect(metadata.causation_id, where).toBe(metadata.request_id);
        expect(typeof metadata.client_address, where).toBe('string');
        expect(typeof metadata.user_agent, where).toBe('string');
      }
    }
    expect([...seen].sort()).toEqual(['anonymous', 'gateway', 'operator', 'staff', 'system', 'user']);
    const expired = events.find((event) => event.type === 'RemoteCommandExpired')!;
    expect(expired.metadata.actor).toEqual({ kind: 'system', id: 'remote_command_sweep' });
  });

  it("the owner's audit history (GET /api/audit/) holds every home event of the walk exactly once, under its home", async () => {
    const { homes } = catalogueWalk;
    const audited = new Set(AUDITED_EVENT_TYPES);
    const owner = homes.owner.http;
    const positionsOf = async (homeId: string) => {
      const positions: string[] = [];
      let cursor: string | null = null;
      do {
        const response: JsonResponse = await owner.get(
          `/api/audit/?home_id=${homeId}&limit=7${cursor ? `&cursor=${cursor}` : ''}`,
        );
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        positions.push(...response.body.items.map((item: { position: string }) => item.position));
        cursor = response.body.next_cursor;
      } while (cursor);
      return positions;
    };
    const first = await positionsOf(homes.homeId);
    const paired = await positionsOf(homes.pairedHomeId);
    const expected = events.filter((event) => audited.has(event.type)).map((event) => event.position);
    expect([...first, ...paired].sort()).toEqual(expected);
    expect(first).toEqual([...first].sort());
    const pairedTypes = events.filter((event) => paired.includes(event.position)).map((event) => event.type);
    // The code asked for no home is filed under the home its redemption created.
    expect(pairedTypes.slice(0, 2)).toEqual(['PairingRequested', 'PairingRedeemed']);
    expect(pairedTypes).toContain('GatewayDeleted');
    const anonymous = await new HttpClient(server.url).get(`/api/audit/?home_id=${homes.homeId}`);
    expect(anonymous.status).toBe(401);
  });

  it('the walk produced every event type in the catalogue (bar the listed exceptions)', () => {
    const produced = new Set(events.map((event) => event.type));
    const neverProduced = eventCatalogue
      .types()
      .filter((type) => !produced.has(type) && !(type in NOT_PRODUCED_BY_THIS_WALK_YET));
    expect(neverProduced, `catalogue event types the walk never produced: ${neverProduced.join(', ')}`).toEqual([]);
    const listedButProduced = Object.keys(NOT_PRODUCED_BY_THIS_WALK_YET).filter((type) => produced.has(type));
    expect(listedButProduced, 'produced now: remove them from NOT_PRODUCED_BY_THIS_WALK_YET').toEqual([]);
  });

  describe('export and verify', () => {
    let exportFile: string;
    let config: ReturnType<typeof cliConfig>;

    beforeAll(async () => {
      // Embedded PGlite belongs to one process: the CLI runs after the server let go of DATA_DIR.
      if (target === 'pglite') await server.close();
      config = cliConfig(server.env);
      exportFile = path.join(workDir, 'user.jsonl');
      await auditExport(config, { user: walk.userId, out: exportFile }, captureIo());
    });

    it('exports the user stream and its e-mail claims, oldest first, and verify passes (store and file)', async () => {
      const lines = fs
        .readFileSync(exportFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const streams = new Set(lines.map((line) => line.stream as string));
      expect(streams).toContain(`user-${walk.userId}`);
      expect([...streams].filter((s) => s.startsWith('email-'))).toHaveLength(2);
      expect([...streams].filter((s) => s.startsWith('refresh_family-'))).toHaveLength(2);
      // Account events are audited per user (not per home): a re-presented refresh token is there with its origin.
      const represented = lines.find((line) => line.type === 'RefreshTokenRepresented');
      expect(represented?.data).toMatchObject({
        user_id: walk.userId,
        client_address: expect.any(String),
        user_agent: expect.any(String),
      });
      expect(lines.map((l) => l.position)).toEqual([...lines.map((l) => l.position)].sort());
      expect(Object.keys(lines[0]).sort()).toEqual([
        'created',
        'data',
        'id',
        'metadata',
        'position',
        'revision',
        'stream',
        'type',
      ]);

      const fromFile = captureIo();
      expect(await auditVerify(config, { file: exportFile }, fromFile)).toBe(0);
      expect(fromFile.output()).toMatch(/^OK: \d+ events in 5 streams/);
      const fromStore = captureIo();
      expect(await auditVerify(config, { all: true }, fromStore)).toBe(0);
    });

    it('projections verify: every read model, the audit index included, replays the walked log to the live tables', async () => {
      const io = captureIo();
      expect(await projectionsVerify(config, io), io.output()).toBe(0);
      expect(io.output()).toMatch(/^OK audit_index: replay reproduces the live tables \(checkpoint \d{20}:\d{20}\)$/m);
    });

    it('--from/--to limit by time; the slice still verifies', async () => {
      const future = captureIo();
      expect(await auditExport(config, { all: true, from: new Date(Date.now() + 60_000) }, future)).toBe(0);
      const lines = fs.readFileSync(exportFile, 'utf8').trim().split('\n');
      const middle = JSON.parse(lines[3]!) as { created: string };
      const slice = path.join(workDir, 'slice.jsonl');
      const count = await auditExport(
        config,
        { user: walk.userId, from: new Date(middle.created), out: slice },
        captureIo(),
      );
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(lines.length);
      expect(await auditVerify(config, { file: slice }, captureIo())).toBe(0);
    });

    it('one flipped byte in the exported file fails verify and names the event', async () => {
      const text = fs.readFileSync(exportFile, 'utf8');
      // The profile update's name, as exported: sealed (the chain covers the ciphertext, so one flipped byte of
      // it breaks the chain just as a flipped byte of a plaintext value would).
      const line = text.indexOf('"type":"UserProfileUpdated"');
      expect(line).toBeGreaterThan(0);
      const lineStart = text.lastIndexOf('\n', line) + 1;
      const at = text.indexOf('"name":"pd1:', lineStart);
      expect(at).toBeGreaterThan(0);
      expect(at).toBeLessThan(text.indexOf('\n', line));
      const bytes = Buffer.from(text);
      const flip = at + '"name":"'.length;
      bytes[flip] = bytes[flip]! ^ 0x01; // 'p' -> 'q'
      const tampered = path.join(workDir, 'tampered.jsonl');
      fs.writeFileSync(tampered, bytes);
      const io = captureIo();
      expect(await auditVerify(config, { file: tampered }, io)).toBe(1);
      expect(io.output()).toMatch(
        new RegExp(
          `first mismatch: user-${walk.userId} revision \\d+ \\(UserProfileUpdated, event [0-9a-f-]+\\): hash mismatch`,
        ),
      );
    });

    it('a row changed in the store fails verify and names the event', async () => {
      const io = captureIo();
      const { connectDatabase } = await import('../../src/database/connect.ts');
      const database =
        target === 'pglite'
          ? connectDatabase({ kind: 'pglite', dataDir: path.join(server.env.DATA_DIR!, 'pglite') })
          : connectDatabase({ kind: 'postgres', url: server.env.DATABASE_URL! });
      try {
        await database.knex.raw(
          `update es_events set data = jsonb_set(data, '{name}', '"Mallory"') where type = 'UserProfileUpdated' and stream_name = ?`,
          [`user-${walk.userId}`],
        );
      } finally {
        await database.close();
      }
      expect(await auditVerify(config, { user: walk.userId }, io)).toBe(1);
      expect(io.output()).toContain(`first mismatch: user-${walk.userId} revision`);
      expect(io.output()).toContain('UserProfileUpdated');
    });
  });
});
