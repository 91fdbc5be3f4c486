import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

export interface InventoryEntity {
  entity_id: string;
  name: string;
  entity_type: string;
  device_name: string;
  state: unknown;
  unit?: string | null;
  is_controllable?: boolean;
  capabilities?: unknown;
}
interface InventoryReported {
  gateway_id: string;
  home_id: string;
  entities: InventoryEntity[];
}

/** Rows per insert statement: an inventory may hold 10,000 entities, far past a statement's parameter limit. */
const INSERT_CHUNK = 500;

/**
 * The devices a field edge reported (`DeviceInventoryReported`, its answer to `get_devices`): one row per entity
 * of each gateway's latest inventory, which replaces the previous one whole. The app's device list joins it with
 * the `bridge` projection's `device_states` (a newer state report wins over the inventory's state).
 */
export const devicesProjection: Projection = {
  name: 'devices',
  version: 1,
  eventTypes: ['DeviceInventoryReported'],
  tables: ['device_inventory'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('device_inventory'), (t) => {
      t.uuid('gateway_id').notNullable();
      t.text('entity_id').notNullable();
      t.uuid('home_id').notNullable();
      /** The entity's place in the edge's list, so answers keep the edge's order. */
      t.integer('ordinal').notNullable();
      t.text('name').notNullable();
      t.text('entity_type').notNullable();
      t.text('device_name').notNullable();
      t.jsonb('state').notNullable();
      t.text('unit');
      t.boolean('is_controllable');
      t.jsonb('capabilities');
      /** When the inventory was recorded: a state report for the entity after this wins over `state`. */
      t.timestamp('reported_at', { useTz: true }).notNullable();
      t.primary(['gateway_id', 'entity_id']);
      t.index(['home_id', 'gateway_id']);
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    if (event.type !== 'DeviceInventoryReported') return;
    const data = event.data as unknown as InventoryReported;
    await trx(table('device_inventory')).where({ gateway_id: data.gateway_id }).delete();
    // An entity listed twice keeps its last description (the edge's list read top to bottom).
    const byEntity = new Map<string, { entity: InventoryEntity; ordinal: number }>();
    data.entities.forEach((entity, ordinal) => byEntity.set(entity.entity_id, { entity, ordinal }));
    const rows = [...byEntity.values()].map(({ entity, ordinal }) => ({
      gateway_id: data.gateway_id,
      entity_id: entity.entity_id,
      home_id: data.home_id,
      ordinal,
      name: entity.name,
      entity_type: entity.entity_type,
      device_name: entity.device_name,
      state: JSON.stringify(entity.state),
      unit: entity.unit ?? null,
      is_controllable: entity.is_controllable ?? null,
      capabilities: entity.capabilities === undefined ? null : JSON.stringify(entity.capabilities),
      reported_at: event.created,
    }));
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      await trx(table('device_inventory')).insert(rows.slice(start, start + INSERT_CHUNK));
    }
  },
};
