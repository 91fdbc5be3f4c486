import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { DEFAULT_HOME_NAME } from '../../domain/homes/home-name.ts';
import type { Projection, TableNames } from '../projection.ts';

/** `homes`: each home, its name, its owner and its active gateway. */
export const homesProjection: Projection = {
  name: 'homes',
  // 2: `name` (HomeCreated's, "Home" for homes created without one; HomeRenamed).
  version: 2,
  eventTypes: [
    'HomeCreated',
    'HomeRenamed',
    'HomeGatewayAttached',
    'HomeGatewayDetached',
    'HomeOwnershipTransferred',
    'HomeDeleted',
  ],
  tables: ['homes'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('homes'), (t) => {
      t.uuid('id').primary();
      t.uuid('owner_id').notNullable();
      t.text('name').notNullable();
      t.uuid('active_gateway_id').nullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as {
      home_id: string;
      owner_id?: string;
      gateway_id?: string;
      name?: string;
      new_owner_id?: string;
    };
    switch (event.type) {
      case 'HomeCreated':
        await trx(table('homes'))
          .insert({
            id: data.home_id,
            owner_id: data.owner_id,
            name: data.name ?? DEFAULT_HOME_NAME,
            active_gateway_id: null,
            created_at: event.created,
          })
          .onConflict('id')
          .ignore();
        return;
      case 'HomeRenamed':
        await trx(table('homes')).where({ id: data.home_id }).update({ name: data.name });
        return;
      case 'HomeGatewayAttached':
        await trx(table('homes')).where({ id: data.home_id }).update({ active_gateway_id: data.gateway_id });
        return;
      case 'HomeGatewayDetached':
        await trx(table('homes'))
          .where({ id: data.home_id, active_gateway_id: data.gateway_id })
          .update({ active_gateway_id: null });
        return;
      case 'HomeOwnershipTransferred':
        await trx(table('homes')).where({ id: data.home_id }).update({ owner_id: data.new_owner_id });
        return;
      case 'HomeDeleted':
        await trx(table('homes')).where({ id: data.home_id }).delete();
        return;
    }
  },
};
