import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditExport, auditVerify } from '../../src/cli/audit-command.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { chainOf } from '../../src/eventstore/hash-chain.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { walkAccounts, type WalkResult } from '../support/account-walk.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { databaseTargets } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Event types in the catalogue that the walk below does not produce yet. Each entry needs a reason; remove it as
 * soon as a capability's use cases join the walk (test/support/account-walk.ts and friends).
 */
const BRIDGE_NOT_WALKED =
  'the walk opens no gateway WebSocket session yet (needs a provisioned gateway: see test/support/gateway-socket.ts)';
const HOMES_NOT_WALKED =
  'homes, permissions, gateways and pairing landed on main at the final merge of the audit branch; the walk does ' +
  'not drive them yet (extend test/support/account-walk.ts with test/api/home-fixture.ts and the gateway socket)';
const REMOTE_CONTROL_NOT_WALKED =
  'remote commands landed with the remote branch; the walk connects no edge yet (test/bridge/remote-commands.test.ts produces every one of them)';
const NOT_PRODUCED_BY_THIS_WALK_YET: Record<string, string> = {
  ...Object.fromEntries(
    [
      'RemoteCommandIssued',
      'RemoteCommandDispatched',
      'RemoteCommandSucceeded',
      'RemoteCommandFailed',
      'RemoteCommandTimedOut',
      'RemoteCommandExpired',
      'RemoteCommandLateAckRecorded',
    ].map((type) => [type, REMOTE_CONTROL_NOT_WALKED]),
  ),
  BridgeSessionOpened: BRIDGE_NOT_WALKED,
  BridgeSessionClosed: BRIDGE_NOT_WALKED,
  DeviceStatesReported: BRIDGE_NOT_WALKED,
  HomeMetadataSynced: BRIDGE_NOT_WALKED,
  ...Object.fromEntries(
    [
      'HomeCreated',
      'PermissionGranted',
      'PermissionRoleChanged',
      'PermissionRevoked',
      'HomeGatewayAttached',
      'HomeGatewayDetached',
      'GatewayProvisioned',
      'GatewayRenamed',
      'GatewaySecretRotated',
      'GatewayRevoked',
      'GatewayDeleted',
      'PairingRequested',
      'PairingRedeemed',
      'PairingRedemptionFailed',
      'PairingExpired',
    ].map((type) => [type, HOMES_NOT_WALKED]),
  ),
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
  let events: RecordedEvent[];
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-audit-'));

  beforeAll(async () => {
    server = await startTestServer(target);
    walk = await walkAccounts(server.url);
    // On a Postgres server $all shows a transaction once no older one is still running anywhere in the cluster
    // (other test files write there too): wait until every stored event is readable.
    const stored = async () => Number((await server.stores.readModels.knex('es_events').count({ n: '*' }))[0]!.n);
    await vi.waitFor(async () => {
      events = await allEvents(server);
      expect(events.length).toBe(await stored());
    });
  });
  afterAll(async () => {
    await server.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('every stored event is in the catalogue and carries full metadata', () => {
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) {
      expect(eventCatalogue.types(), `event ${event.type}`).toContain(event.type);
      const missing = REQUIRED_METADATA.filter((key) => event.metadata[key] === undefined || event.metadata[key] === '');
      expect(missing, `${event.type} in ${event.streamName} lacks metadata`).toEqual([]);
      const actor = event.metadata.actor as { kind: string; id: string | null };
      expect(['user', 'gateway', 'operator', 'system', 'anonymous']).toContain(actor.kind);
      if (actor.kind !== 'anonymous') expect(typeof actor.id).toBe('string');
      if (actor.kind === 'gateway') expect(event.metadata.gateway_session_id).toBeTruthy();
      expect(Number.isNaN(Date.parse(event.metadata.occurred_at as string))).toBe(false);
      expect(event.metadata.schema_version).toBe(eventCatalogue.get(event.type).schemaVersion);
      expect(chainOf(event.metadata)).toMatchObject({ alg: 'sha256', v: 1 });
    }
  });

  it('the walk produced every event type in the catalogue (bar the listed exceptions)', () => {
    const produced = new Set(events.map((event) => event.type));
    const neverProduced = eventCatalogue.types().filter((type) => !produced.has(type) && !(type in NOT_PRODUCED_BY_THIS_WALK_YET));
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
      const lines = fs.readFileSync(exportFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
      const streams = new Set(lines.map((line) => line.stream as string));
      expect(streams).toContain(`user-${walk.userId}`);
      expect([...streams].filter((s) => s.startsWith('email-'))).toHaveLength(2);
      expect([...streams].filter((s) => s.startsWith('refresh_family-'))).toHaveLength(2);
      expect(lines.map((l) => l.position)).toEqual([...lines.map((l) => l.position)].sort());
      expect(Object.keys(lines[0]).sort()).toEqual(['created', 'data', 'id', 'metadata', 'position', 'revision', 'stream', 'type']);

      const fromFile = captureIo();
      expect(await auditVerify(config, { file: exportFile }, fromFile)).toBe(0);
      expect(fromFile.output()).toMatch(/^OK: \d+ events in 5 streams/);
      const fromStore = captureIo();
      expect(await auditVerify(config, { all: true }, fromStore)).toBe(0);
    });

    it('--from/--to limit by time; the slice still verifies', async () => {
      const future = captureIo();
      expect(await auditExport(config, { all: true, from: new Date(Date.now() + 60_000) }, future)).toBe(0);
      const lines = fs.readFileSync(exportFile, 'utf8').trim().split('\n');
      const middle = JSON.parse(lines[3]!) as { created: string };
      const slice = path.join(workDir, 'slice.jsonl');
      const count = await auditExport(config, { user: walk.userId, from: new Date(middle.created), out: slice }, captureIo());
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThan(lines.length);
      expect(await auditVerify(config, { file: slice }, captureIo())).toBe(0);
    });

    it('one flipped byte in the exported file fails verify and names the event', async () => {
      const text = fs.readFileSync(exportFile, 'utf8');
      const at = text.indexOf('"name":"Ada Lovelace"');
      expect(at).toBeGreaterThan(0);
      const bytes = Buffer.from(text);
      const flip = at + '"name":"A'.length;
      bytes[flip] = bytes[flip]! ^ 0x01; // 'd' -> 'e'
      const tampered = path.join(workDir, 'tampered.jsonl');
      fs.writeFileSync(tampered, bytes);
      const io = captureIo();
      expect(await auditVerify(config, { file: tampered }, io)).toBe(1);
      expect(io.output()).toMatch(new RegExp(`first mismatch: user-${walk.userId} revision \\d+ \\(UserProfileUpdated, event [0-9a-f-]+\\): hash mismatch`));
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
