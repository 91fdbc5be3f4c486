import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

/** Postgres allows 65,535 bindings per statement; 5 columns per row. */
const ROWS_PER_STATEMENT = 5000;

/** `users`: profiles, and lookups by e-mail for permission grants. Never used to decide uniqueness. */
export const usersProjection: Projection = {
  name: 'users',
  version: 1,
  // An account's deletion removes its row (its events read "[erased]" from then on, so a rebuild agrees).
  eventTypes: ['UserRegistered', 'UserProfileUpdated', 'UserEmailChanged', 'UserAccountDeleted'],
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
      case 'UserAccountDeleted':
        await trx(table('users')).where({ id: data.user_id }).delete();
        return;
    }
  },

  /**
   * The same effect as `apply` on each event in turn, in two or three statements per page: load the rows the
   * page touches, fold the page over them in memory, upsert the rows that changed.
   */
  async applyBatch(trx: Knex.Transaction, events: readonly RecordedEvent[], table: TableNames) {
    const ids = [...new Set(events.map((event) => (event.data as { user_id: string }).user_id))];
    const rows = new Map<string, UserRow>();
    for (let i = 0; i < ids.length; i += ROWS_PER_STATEMENT) {
      const existing: UserRow[] = await trx(table('users')).whereIn('id', ids.slice(i, i + ROWS_PER_STATEMENT));
      for (const row of existing) rows.set(row.id, row);
    }
    const changed = new Set<string>();
    const deleted = new Set<string>();
    for (const event of events) {
      const data = event.data as { user_id: string; email?: string; name?: string };
      const at = event.created;
      const row = rows.get(data.user_id);
      switch (event.type) {
        case 'UserRegistered':
          if (row) continue; // as `onConflict().ignore()`
          rows.set(data.user_id, {
            id: data.user_id,
            email: data.email!,
            name: data.name!,
            created_at: at,
            updated_at: at,
          });
          break;
        case 'UserProfileUpdated':
          if (!row) continue;
          rows.set(data.user_id, { ...row, name: data.name!, updated_at: at });
          break;
        case 'UserEmailChanged':
          if (!row) continue;
          rows.set(data.user_id, { ...row, email: data.email!, updated_at: at });
          break;
        case 'UserAccountDeleted':
          rows.delete(data.user_id);
          changed.delete(data.user_id);
          deleted.add(data.user_id);
          continue;
        default:
          continue;
      }
      changed.add(data.user_id);
    }
    const upserts = [...changed].map((id) => rows.get(id)!);
    for (let i = 0; i < upserts.length; i += ROWS_PER_STATEMENT) {
      await trx(table('users'))
        .insert(upserts.slice(i, i + ROWS_PER_STATEMENT))
        .onConflict('id')
        .merge(['email', 'name', 'updated_at']);
    }
    const gone = [...deleted];
    for (let i = 0; i < gone.length; i += ROWS_PER_STATEMENT) {
      await trx(table('users'))
        .whereIn('id', gone.slice(i, i + ROWS_PER_STATEMENT))
        .delete();
    }
  },
};
