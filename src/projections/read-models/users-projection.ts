import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

/** `users`: profiles, and lookups by e-mail for permission grants. Never used to decide uniqueness. */
export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  eventTypes: ['UserRegistered', 'UserProfileUpdated', 'UserEmailChanged'],
  tables: ['users'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('users'), (t) => {
      t.uuid('id').primary();
      t.text('email').notNullable().index();
      t.text('name').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as { user_id: string; email?: string; name?: string };
    const at = event.created;
    switch (event.type) {
      case 'UserRegistered':
        await trx(table('users'))
          .insert({ id: data.user_id, email: data.email, name: data.name, created_at: at, updated_at: at })
          .onConflict('id')
          .ignore();
        return;
      case 'UserProfileUpdated':
        await trx(table('users')).where({ id: data.user_id }).update({ name: data.name, updated_at: at });
        return;
      case 'UserEmailChanged':
        await trx(table('users')).where({ id: data.user_id }).update({ email: data.email, updated_at: at });
        return;
    }
  },
};
