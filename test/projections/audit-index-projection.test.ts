import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePosition } from '../../src/eventstore/position.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { suffixedTables, type TableNames } from '../../src/projections/projection.ts';
import { auditIndexProjection } from '../../src/projections/read-models/audit-index-projection.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/** A small log: a pairing for a home that does not exist yet, a gateway stream, a command, and big syncs. */
function history(): RecordedEvent[] {
  const homeId = randomUUID();
  const gatewayId = randomUUID();
  const commandId = randomUUID();
  const pairing = `pairing-${'ab'.repeat(32)}`;
  let sequence = 0;
  const revisions = new Map<string, number>();
  const event = (streamName: string, type: string, data: Record<string, unknown>): RecordedEvent => {
    const revision = revisions.get(streamName) ?? 0;
    revisions.set(streamName, revision + 1);
    sequence += 1;
    return {
      id: randomUUID(),
      streamName,
      revision,
      position: encodePosition(1, sequence),
      type,
      data,
      metadata: { actor: { kind: 'user', id: 'u' }, occurred_at: new Date(1_700_000_000_000 + sequence).toISOString() },
      created: new Date(1_700_000_000_000 + sequence),
    };
  };
  const digest = `hmac-sha256:${'c'.repeat(64)}`;
  const big = { blob: 'x'.repeat(300 * 1024) };
  return [
    event(pairing, 'PairingRequested', {
      home_id: null,
      name: 'Cabin',
      requested_by: randomUUID(),
      expires_at: new Date().toISOString(),
    }),
    event(pairing, 'PairingRedeemed', { gateway_id: gatewayId, home_id: homeId }),
    event(`home-${homeId}`, 'HomeCreated', { home_id: homeId, owner_id: randomUUID() }),
    event(`gateway-${gatewayId}`, 'GatewayProvisioned', {
      gateway_id: gatewayId,
      home_id: homeId,
      name: 'Hall',
      secret_digest: digest,
      via: 'pairing',
    }),
    event(`gateway-${gatewayId}`, 'GatewaySecretRotated', { gateway_id: gatewayId, secret_digest: digest }),
    event(`remote_command-${commandId}`, 'RemoteCommandIssued', {
      command_id: commandId,
      gateway_id: gatewayId,
      home_id: homeId,
      fingerprint: 'f'.repeat(64),
    }),
    ...Array.from({ length: 30 }, (_, i) =>
      event(`gateway_telemetry-${gatewayId}`, 'HomeMetadataSynced', {
        session_id: randomUUID(),
        gateway_id: gatewayId,
        home_id: homeId,
        request_id: `y-${i}`,
        metadata: big,
      }),
    ),
    event(pairing, 'PairingExpired', { expired_at: new Date().toISOString() }),
  ];
}

async function rowsOf(knex: Knex, table: TableNames) {
  return knex(table('audit_index')).select('home_id', 'position', 'stream', 'type', 'data').orderBy('position');
}

describe.each(databaseTargets())('audit_index projection (%s)', (target) => {
  let db: TestDatabase;
  const events = history();
  beforeAll(async () => {
    db = await openTestDatabase(target);
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  /** Applies the log in pages of `size` (1 = the runner's `apply` path) into fresh tables named after the size. */
  async function project(size: number): Promise<TableNames> {
    const table = suffixedTables(`t${size}`);
    await auditIndexProjection.createTables(db.database.knex, table);
    for (let at = 0; at < events.length; at += size) {
      const page = events.slice(at, at + size);
      await db.database.knex.transaction(async (trx) => {
        if (size === 1) await auditIndexProjection.apply(trx, page[0]!, table);
        else await auditIndexProjection.applyBatch!(trx, page, table);
      });
    }
    return table;
  }

  it('files every event under its home, whatever the page size, and leaves nothing parked', async () => {
    const one = await rowsOf(db.database.knex, await project(1));
    expect(one.map((row) => row.position)).toEqual(events.map((event) => event.position));
    expect(new Set(one.map((row) => row.home_id)).size).toBe(1);
    // The request made before the home existed is there, at its own place in the log.
    expect(one[0]).toMatchObject({ type: 'PairingRequested', stream: events[0]!.streamName });
    for (const size of [2, 7, 500]) {
      const table = await project(size);
      expect(await rowsOf(db.database.knex, table), `pages of ${size}`).toEqual(one);
      expect(Number((await db.database.knex(table('audit_parked')).count({ n: '*' }).first())!.n)).toBe(0);
    }
  });

  it('stores data without digests or fingerprints', async () => {
    const rows = await rowsOf(db.database.knex, suffixedTables('t1'));
    const text = JSON.stringify(rows);
    expect(text).not.toContain('hmac-sha256:');
    expect(text).not.toContain('fingerprint');
    expect(rows.find((row) => row.type === 'GatewaySecretRotated')!.data).toEqual({ gateway_id: expect.any(String) });
  });

  it('parks the events of a stream whose home is unknown until an event names it', async () => {
    const table = suffixedTables('parked');
    await auditIndexProjection.createTables(db.database.knex, table);
    await db.database.knex.transaction((trx) => auditIndexProjection.applyBatch!(trx, events.slice(0, 1), table));
    expect(await rowsOf(db.database.knex, table)).toEqual([]);
    expect(await db.database.knex(table('audit_parked')).pluck('type')).toEqual(['PairingRequested']);
    await db.database.knex.transaction((trx) => auditIndexProjection.applyBatch!(trx, events.slice(1, 2), table));
    expect((await rowsOf(db.database.knex, table)).map((row) => row.type)).toEqual([
      'PairingRequested',
      'PairingRedeemed',
    ]);
    expect(await db.database.knex(table('audit_parked')).pluck('type')).toEqual([]);
  });
});
