import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { suffixedTables, type TableNames } from '../../src/projections/projection.ts';
import { bridgeProjection } from '../../src/projections/read-models/bridge-projection.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The bridge projection's page-at-a-time path must leave exactly the rows that applying the events one by one
 * leaves (what `projections verify` checks in production): replaced sessions, duplicate events, device reports
 * out of order and tied, several devices and snapshots per page, presence touches for unknown gateways.
 */
function eventLog(): RecordedEvent[] {
  const [g1, g2, g3] = [randomUUID(), randomUUID(), randomUUID()];
  const [h1, h2] = [randomUUID(), randomUUID()];
  const [s1, s2, s3, s4] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  const events: RecordedEvent[] = [];
  let clock = Date.parse('2026-01-01T00:00:00Z');
  const add = (type: string, data: Record<string, unknown>) => {
    clock += 1000;
    events.push({
      id: randomUUID(),
      streamName: `gateway_telemetry-${String(data.gateway_id)}`,
      revision: events.length,
      position: encodePosition(1000 + events.length, events.length),
      type,
      data,
      metadata: {},
      created: new Date(clock),
    });
  };
  const opened = (session: string, gateway: string, home: string, address: string | null) =>
    add('BridgeSessionOpened', {
      session_id: session,
      gateway_id: gateway,
      home_id: home,
      node_id: 'n1',
      remote_address: address,
      user_agent: address && 'edge/1',
      protocol_version: '1',
    });
  const closed = (session: string, gateway: string, home: string, reason: string, frames: number) =>
    add('BridgeSessionClosed', {
      session_id: session,
      gateway_id: gateway,
      home_id: home,
      reason,
      duration_s: 1,
      frames_in: frames,
      frames_out: frames + 1,
    });
  const states = (gateway: string, home: string, devices: Array<[string, number, string]>) =>
    add('DeviceStatesReported', {
      session_id: s1,
      gateway_id: gateway,
      home_id: home,
      request_id: randomUUID(),
      devices: devices.map(([id, value, at]) => ({ device_id: id, state: { value }, reported_at: at })),
    });
  const sync = (gateway: string, home: string, rooms: number) =>
    add('HomeMetadataSynced', {
      session_id: s1,
      gateway_id: gateway,
      home_id: home,
      request_id: randomUUID(),
      metadata: { rooms },
    });

  states(g3, h2, [['d1', 1, '2026-01-01T00:00:00.000Z']]); // no presence row yet: the touch changes nothing
  opened(s1, g1, h1, '10.0.0.1');
  opened(s1, g1, h1, '10.0.0.1'); // a duplicate Opened is ignored
  states(g1, h1, [
    ['d1', 1, '2026-01-01T00:00:05.000Z'],
    ['d2', 1, '2026-01-01T00:00:05.000Z'],
  ]);
  states(g1, h1, [['d1', 2, '2026-01-01T00:00:03.000Z']]); // older: never wins
  states(g1, h1, [
    ['d2', 3, '2026-01-01T00:00:05.000Z'],
    ['d2', 4, '2026-01-01T00:00:06.000Z'],
  ]); // tie, then newer
  states(g1, h1, [
    ['d3', 1, '2026-01-01T00:00:07.000Z'],
    ['d3', 2, '2026-01-01T00:00:07.000Z'],
  ]); // a tie: the later wins
  states(g1, h1, [['d4', 1, '2026-01-01T00:00:08.000Z']]);
  states(g1, h1, [['d4', 2, '2026-01-01T00:00:08.000Z']]); // a tie in the next event: the later wins
  states(g1, h1, [['d5', 1, '9999-12-31T23:59:59.000Z']]); // stored before device clocks were checked
  states(g1, h1, [
    ['d5', 2, '2026-01-03T00:00:00.000Z'],
    ['d5', 3, '2026-01-01T00:00:30.000Z'],
  ]); // the cap is a day
  sync(g1, h1, 1);
  sync(g1, h1, 2);
  opened(s2, g1, h1, null); // replaces s1
  closed(s1, g1, h1, 'replaced', 7); // not current: presence stays online
  opened(s3, g2, h2, '10.0.0.2');
  states(g2, h2, [['d9', 1, '2026-01-01T00:00:09.000Z']]);
  closed(s3, g2, h2, 'client_closed', 2); // current: offline
  closed(s3, g2, h2, 'client_closed', 3); // a repeat: the last one wins
  states(g2, h2, [['d9', 2, '2026-01-01T00:00:09.000Z']]); // tie after the close: replaces, touches last_seen
  opened(s4, g3, h2, '10.0.0.3');
  states(g3, h2, [['d1', 5, '2025-12-31T00:00:00.000Z']]);
  sync(g3, h2, 9);
  closed(s2, g1, h1, 'revoked', 1);
  return events;
}

async function rows(test: TestDatabase, table: TableNames): Promise<Record<string, unknown[]>> {
  const knex = test.database.knex;
  const ordered: Record<string, string> = {
    bridge_sessions: 'session_id',
    gateway_presence: 'gateway_id',
    device_states: 'gateway_id, device_id',
    home_metadata: 'home_id',
  };
  const result: Record<string, unknown[]> = {};
  for (const [logical, orderBy] of Object.entries(ordered)) {
    result[logical] = (await knex.raw(`select * from ?? order by ${orderBy}`, [table(logical)])).rows;
  }
  return result;
}

describe.each(databaseTargets())('bridge projection applyBatch (%s)', (target) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(target);
  });
  afterAll(async () => {
    await test?.cleanup();
  });

  it.each([1, 3, 7, 100])('leaves the same rows as event-by-event apply (pages of %i)', async (pageSize) => {
    const knex = test.database.knex;
    const one = suffixedTables(`one${pageSize}`);
    const batched = suffixedTables(`batch${pageSize}`);
    await bridgeProjection.createTables(knex, one);
    await bridgeProjection.createTables(knex, batched);
    const events = eventLog();
    await knex.transaction(async (trx) => {
      for (const event of events) await bridgeProjection.apply(trx, event, one);
    });
    for (let start = 0; start < events.length; start += pageSize) {
      await knex.transaction((trx) =>
        bridgeProjection.applyBatch!(trx, events.slice(start, start + pageSize), batched),
      );
    }
    const expected = await rows(test, one);
    expect(expected.bridge_sessions).toHaveLength(4);
    expect(expected.device_states).toHaveLength(7);
    expect(await rows(test, batched)).toEqual(expected);
  });

  it('a stored year-9999 report does not pin the device state (page and one by one)', async () => {
    const knex = test.database.knex;
    const one = suffixedTables('pin_one');
    const batched = suffixedTables('pin_batch');
    await bridgeProjection.createTables(knex, one);
    await bridgeProjection.createTables(knex, batched);
    const events = eventLog();
    await knex.transaction(async (trx) => {
      for (const event of events) await bridgeProjection.apply(trx, event, one);
    });
    await knex.transaction((trx) => bridgeProjection.applyBatch!(trx, events, batched));
    for (const tables of [one, batched]) {
      const [d5] = (await knex.raw(`select state from ?? where device_id = 'd5'`, [tables('device_states')])).rows;
      expect(d5.state).toEqual({ value: 2 });
    }
  });

  it('states the field edge sends bare ("21.5", 7, true, null, a list) are kept exactly, page and one by one', async () => {
    const knex = test.database.knex;
    const one = suffixedTables('bare_one');
    const batched = suffixedTables('bare_batch');
    await bridgeProjection.createTables(knex, one);
    await bridgeProjection.createTables(knex, batched);
    const gatewayId = randomUUID();
    const homeId = randomUUID();
    const bare: unknown[] = ['21.5', 'ON', 7, true, null, ['a', 1], '{"not":"json"}', ''];
    const events: RecordedEvent[] = bare.map((state, index) => ({
      id: randomUUID(),
      streamName: `gateway_telemetry-${gatewayId}`,
      revision: index,
      position: encodePosition(5000 + index, index),
      type: 'DeviceStatesReported',
      data: {
        session_id: randomUUID(),
        gateway_id: gatewayId,
        home_id: homeId,
        request_id: `state_update_${index}`,
        devices: [
          {
            device_id: String(index),
            state,
            reported_at: '2026-01-01T00:00:00.000Z',
            device_time_raw: '2026-01-01T01:00:00.000001',
            device_time_without_zone: true,
          },
        ],
      },
      metadata: {},
      created: new Date('2026-01-01T00:00:01Z'),
    }));
    await knex.transaction(async (trx) => {
      for (const event of events) await bridgeProjection.apply(trx, event, one);
    });
    await knex.transaction((trx) => bridgeProjection.applyBatch!(trx, events, batched));
    for (const tables of [one, batched]) {
      const stored = (
        await knex.raw(`select device_id, state from ?? order by device_id::int`, [tables('device_states')])
      ).rows;
      expect(stored.map((row: { state: unknown }) => row.state)).toEqual(bare);
    }
  });
});
