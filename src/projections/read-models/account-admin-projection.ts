import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

/**
 * `account_admin`: what staff see about an account beside its profile (`users`): the staff role, deactivation
 * with its reason, and the last login. A row exists once any of these happened; no row means none did.
 * Decisions (may this staff member act, is this account deactivated) are never taken on it.
 */
export const accountAdminProjection: Projection = {
  name: 'account_admin',
  version: 1,
  eventTypes: ['StaffRoleGranted', 'StaffRoleRevoked', 'UserDeactivated', 'UserReactivated', 'UserLoggedIn'],
  tables: ['account_admin'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('account_admin'), (t) => {
      t.uuid('user_id').primary();
      t.boolean('staff').notNullable().defaultTo(false).index();
      t.boolean('deactivated').notNullable().defaultTo(false).index();
      t.text('deactivation_reason');
      t.timestamp('deactivated_at', { useTz: true });
      t.timestamp('last_login_at', { useTz: true });
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as { user_id: string; reason?: string };
    // The reason as stored (sealed under the staff member's key, AdminQueries opens it when it answers): so it
    // reads "[erased]" once that person is erased, and a rebuild writes the same row. A reason recorded before
    // sealing existed is stored (and kept) in the clear, as before: no version bump, the rows stay identical.
    const stored = (event.sealed?.data as { reason?: string } | undefined)?.reason ?? data.reason ?? null;
    const change = changeOf(event.type, stored, event.created);
    if (change === null) return;
    await trx(table('account_admin'))
      .insert({ user_id: data.user_id, ...change })
      .onConflict('user_id')
      .merge(Object.keys(change));
  },
};

function changeOf(type: string, reason: string | null, at: Date): Record<string, unknown> | null {
  switch (type) {
    case 'StaffRoleGranted':
      return { staff: true };
    case 'StaffRoleRevoked':
      return { staff: false };
    case 'UserDeactivated':
      return { deactivated: true, deactivation_reason: reason, deactivated_at: at };
    case 'UserReactivated':
      return { deactivated: false, deactivation_reason: null, deactivated_at: null };
    case 'UserLoggedIn':
      return { last_login_at: at };
    default:
      return null;
  }
}
