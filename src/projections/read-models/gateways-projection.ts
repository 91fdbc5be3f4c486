import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { ERASED } from '../../eventstore/personal-data/sealed-value.ts';
import type { Projection, TableNames } from '../projection.ts';
import { erasedIdsOf } from './erased-subjects.ts';

/**
 * `gateways`: what the REST side lists. `status` is `pending` until the bridge reports a connection
 * (`online`/`offline`, later), or `revoked`; deleted gateways keep their row with `deleted_at` and are never
 * answered.
 */
export const gatewaysProjection: Projection = {
  name: 'gateways',
  // 2: `version` (the gateway software's, from GatewayProvisioned).
  version: 2,
  eventTypes: ['GatewayProvisioned', 'GatewayRenamed', 'GatewayRevoked', 'GatewayDeleted', 'PersonalDataErased'],
  tables: ['gateways'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('gateways'), (t) => {
      t.uuid('id').primary();
      t.uuid('home_id').notNullable().index();
      t.text('name').notNullable();
      t.text('version').nullable();
      t.text('status').notNullable();
      t.timestamp('last_seen', { useTz: true }).nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('revoked_at', { useTz: true }).nullable();
      t.timestamp('deleted_at', { useTz: true }).nullable();
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as { gateway_id: string; home_id: string; name: string; version?: string };
    const gateways = () => trx(table('gateways')).where({ id: data.gateway_id });
    switch (event.type) {
      case 'GatewayProvisioned':
        await trx(table('gateways'))
          .insert({
            id: data.gateway_id,
            home_id: data.home_id,
            name: data.name,
            version: data.version ?? null,
            status: 'pending',
            created_at: event.created,
          })
          .onConflict('id')
          .ignore();
        return;
      case 'GatewayRenamed':
        await gateways().update({ name: data.name });
        return;
      case 'GatewayRevoked':
        await gateways().update({ status: 'revoked', revoked_at: event.created });
        return;
      case 'GatewayDeleted':
        await gateways().update({ deleted_at: event.created });
        return;
      case 'PersonalDataErased': {
        // A deleted home's gateways: their names were its free text.
        const ids = erasedIdsOf(event, 'gateway');
        if (ids.length > 0) await trx(table('gateways')).whereIn('id', ids).update({ name: ERASED });
        return;
      }
    }
  },
};
