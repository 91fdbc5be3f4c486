import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

/** Events that move a user's credentials version: every family started before it is dead (user.ts). */
const CREDENTIAL_CHANGES = ['UserPasswordChanged', 'UserDeactivated', 'UserAccountDeleted'];

interface FamilyData {
  user_id: string;
  family_id?: string;
  credentials_version?: number;
}

/**
 * `token_families`: each user's refresh-token families (from their `refresh_family-<id>` streams) for the staff's
 * user detail: when it started and was last used, from which address and user agent — kept as stored (sealed with
 * the user's data key; `TokenFamilyQueries` opens them, so an erased person reads "[erased]") — and whether it was
 * revoked (logout, reuse). `token_family_credentials` counts each user's credential changes: a family started
 * with an older count is dead too (password change, deactivation, deletion), decided at read time like the domain
 * does. Never used for a decision: refresh is decided on the family's stream.
 */
export const tokenFamiliesProjection: Projection = {
  name: 'token_families',
  version: 1,
  eventTypes: [
    'UserLoggedIn',
    'RefreshTokenRotated',
    'RefreshTokenRepresented',
    'RefreshTokenReuseDetected',
    'RefreshTokenRevoked',
    ...CREDENTIAL_CHANGES,
  ],
  tables: ['token_families', 'token_family_credentials'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('token_families'), (t) => {
      t.uuid('family_id').primary();
      t.uuid('user_id').notNullable().index();
      t.integer('credentials_version').notNullable();
      t.timestamp('created_at', { useTz: true }).notNullable();
      t.timestamp('last_used_at', { useTz: true }).notNullable();
      t.text('client_address');
      t.text('user_agent');
      t.text('last_client_address');
      t.text('last_user_agent');
      t.text('revoked_reason');
    });
    await knex.schema.createTable(table('token_family_credentials'), (t) => {
      t.uuid('user_id').primary();
      t.integer('version').notNullable();
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as unknown as FamilyData;
    const origin = originOf(event);
    const family = () => trx(table('token_families')).where({ family_id: data.family_id });
    switch (event.type) {
      case 'UserLoggedIn':
        await trx(table('token_families'))
          .insert({
            family_id: data.family_id,
            user_id: data.user_id,
            credentials_version: data.credentials_version ?? 0,
            created_at: event.created,
            last_used_at: event.created,
            client_address: origin.client_address,
            user_agent: origin.user_agent,
            last_client_address: origin.client_address,
            last_user_agent: origin.user_agent,
          })
          .onConflict('family_id')
          .ignore();
        return;
      case 'RefreshTokenRotated':
      case 'RefreshTokenRepresented':
        await family().update({
          last_used_at: event.created,
          last_client_address: origin.client_address,
          last_user_agent: origin.user_agent,
        });
        return;
      case 'RefreshTokenReuseDetected':
        await family().whereNull('revoked_reason').update({ revoked_reason: 'reuse_detected' });
        return;
      case 'RefreshTokenRevoked':
        await family().whereNull('revoked_reason').update({ revoked_reason: 'logout' });
        return;
      default:
        await trx(table('token_family_credentials'))
          .insert({ user_id: data.user_id, version: 1 })
          .onConflict('user_id')
          .merge({ version: trx.raw('?? + 1', [`${table('token_family_credentials')}.version`]) });
    }
  },
};

/** Where the request came from, as stored (sealed values stay sealed: the read model never holds plaintext). */
function originOf(event: RecordedEvent): { client_address: string | null; user_agent: string | null } {
  const metadata = event.sealed?.metadata ?? event.metadata;
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  return { client_address: text(metadata.client_address), user_agent: text(metadata.user_agent) };
}
