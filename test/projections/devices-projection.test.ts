import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { suffixedTables, type TableNames } from '../../src/projections/projection.ts';
import { devicesProjection } from '../../src/projections/read-models/devices-projection.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

let sequence = 0;
function inventory(gatewayId: string, homeId: string, entities: Array<Record<string, unknown>>): RecordedEvent {
  sequence += 1;
  return {
    id: randomUUID(),
    streamName: `gateway_telemetry-${gatewayId}`,
    revision: sequence,
    position: encodePosition(1000 + sequence, sequence),
    type: 'DeviceInventoryReported',
    data: { session_id: randomUUID(), gateway_id: gatewayId, home_id: homeId, request_id: 'sync_on_connect', entities },
    metadata: {},
    created: new Date(Date.parse('2026-01-01T00:00:00Z') + sequence * 1000),
  } as RecordedEvent;
}

const entity = (id: string, device: string, state: unknown = 'off') => ({
  entity_id: id,
  name: `E${id}`,
  entity_type: 'switch',
  device_name: device,
  state,
});

describe.each(databaseTargets())('devices projection (%s)', (target) => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(target);
  });
  afterAll(async () => {
    await test?.cleanup();
  });

  async function applied(table: TableNames, events: RecordedEvent[]) {
    const knex = test.database.knex;
    await devicesProjection.createTables(knex, table);
    await knex.transaction(async (trx) => {
      for (const event of events) await devicesProjection.apply(trx, event, table);
    });
    return knex(table('device_inventory'))
      .select('gateway_id', 'entity_id', 'device_name', 'state', 'ordinal')
      .orderBy(['gateway_id', 'ordinal']);
  }

  it("a new inventory replaces the gateway's previous one whole and leaves other gateways' alone; states are kept as sent", async () => {
    const [g1, g2, home] = [randomUUID(), randomUUID(), randomUUID()];
    const rows = await applied(suffixedTables('replace'), [
      inventory(g1, home, [entity('1', 'A'), entity('2', 'A')]),
      inventory(g2, home, [entity('9', 'Z', { on: true })]),
      inventory(g1, home, [entity('3', 'B', '21.5')]),
    ]);
    expect(rows.filter((row) => row.gateway_id === g1)).toEqual([
      { gateway_id: g1, entity_id: '3', device_name: 'B', state: '21.5', ordinal: 0 },
    ]);
    expect(rows.filter((row) => row.gateway_id === g2)).toEqual([
      { gateway_id: g2, entity_id: '9', device_name: 'Z', state: { on: true }, ordinal: 0 },
    ]);
  });

  it('an inventory of 1,200 entities is stored whole, and an entity listed twice keeps its last description', async () => {
    const [gateway, home] = [randomUUID(), randomUUID()];
    const many = Array.from({ length: 1200 }, (_, i) => entity(String(i), `D${i % 7}`));
    many.push(entity('5', 'Moved', 'on'));
    const rows = await applied(suffixedTables('many'), [inventory(gateway, home, many)]);
    expect(rows).toHaveLength(1200);
    expect(rows.find((row) => row.entity_id === '5')).toMatchObject({
      device_name: 'Moved',
      state: 'on',
      ordinal: 1200,
    });
  });

  it('replaying the same log into fresh tables gives the same rows (what rebuild and verify rely on)', async () => {
    const [gateway, home] = [randomUUID(), randomUUID()];
    const log = [
      inventory(gateway, home, [entity('1', 'A')]),
      inventory(gateway, home, [entity('2', 'A'), entity('1', 'B', null)]),
    ];
    expect(await applied(suffixedTables('live'), log)).toEqual(await applied(suffixedTables('replay'), log));
  });
});
