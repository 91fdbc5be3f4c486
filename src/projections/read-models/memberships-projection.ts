import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

/**
 * `memberships`: who has which role in which home. Read authorisation (lists, details) uses it; write decisions
 * never do (they are taken on the home stream). E-mail and name are joined from `users` at query time.
 */
export const membershipsProjection: Projection = {
  name: 'memberships',
  version: 1,
  eventTypes: [
    'HomeCreated',
    'PermissionGranted',
    'PermissionRoleChanged',
    'PermissionRevoked',
    'HomeOwnershipTransferred',
    'HomeDeleted',
  ],
  tables: ['memberships'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('memberships'), (t) => {
      t.uuid('home_id').notNullable();
      t.uuid('user_id').notNullable().index();
      t.text('role').notNullable();
      t.uuid('granted_by').notNullable();
      t.timestamp('granted_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.primary(['home_id', 'user_id']);
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as { home_id: string; user_id: string; owner_id: string; role: string; granted_by: string };
    const at = event.created;
    switch (event.type) {
      case 'HomeCreated':
        await trx(table('memberships'))
          .insert({
            home_id: data.home_id,
            user_id: data.owner_id,
            role: 'owner',
            granted_by: data.owner_id,
            granted_at: at,
            updated_at: at,
          })
          .onConflict(['home_id', 'user_id'])
          .ignore();
        return;
      case 'PermissionGranted':
        await trx(table('memberships'))
          .insert({
            home_id: data.home_id,
            user_id: data.user_id,
            role: data.role,
            granted_by: data.granted_by,
            granted_at: at,
            updated_at: at,
          })
          .onConflict(['home_id', 'user_id'])
          .merge();
        return;
      case 'PermissionRoleChanged':
        await trx(table('memberships'))
          .where({ home_id: data.home_id, user_id: data.user_id })
          .update({ role: data.role, updated_at: at });
        return;
      case 'PermissionRevoked':
        await trx(table('memberships')).where({ home_id: data.home_id, user_id: data.user_id }).delete();
        return;
      case 'HomeOwnershipTransferred': {
        const transfer = event.data as { home_id: string; previous_owner_id: string; new_owner_id: string };
        const member = (userId: string) =>
          trx(table('memberships')).where({ home_id: transfer.home_id, user_id: userId });
        await member(transfer.new_owner_id).update({ role: 'owner', updated_at: at });
        await member(transfer.previous_owner_id).update({ role: 'admin', updated_at: at });
        return;
      }
      case 'HomeDeleted':
        await trx(table('memberships')).where({ home_id: data.home_id }).delete();
        return;
    }
  },
};
