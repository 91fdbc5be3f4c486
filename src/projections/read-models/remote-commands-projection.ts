import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

type Data = Record<string, unknown> & { command_id: string };

const addSeconds = (iso: string, seconds: number) => new Date(new Date(iso).getTime() + seconds * 1000).toISOString();

/**
 * `remote_commands`: one row per remote command — the gateway's recent commands, the queue delivered on a
 * (re)connect (status `issued`, oldest first) and what the sweep looks at (`deadline_at`: expiry of a queued
 * command, or when the ack of a sent one is overdue).
 */
export const remoteCommandsProjection: Projection = {
  name: 'remote_commands',
  version: 1,
  eventTypes: [
    'RemoteCommandIssued',
    'RemoteCommandDispatched',
    'RemoteCommandSucceeded',
    'RemoteCommandFailed',
    'RemoteCommandTimedOut',
    'RemoteCommandExpired',
    'RemoteCommandLateAckRecorded',
  ],
  tables: ['remote_commands'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('remote_commands'), (t) => {
      t.uuid('id').primary();
      t.uuid('gateway_id').notNullable();
      t.uuid('home_id').notNullable();
      t.text('status').notNullable();
      t.text('device_id').notNullable();
      t.text('action').notNullable();
      t.jsonb('params').notNullable();
      t.uuid('issued_by').notNullable();
      t.timestamp('issued_at', { useTz: true }).notNullable();
      t.integer('timeout_s').notNullable();
      t.integer('ttl_s').notNullable();
      t.timestamp('expires_at', { useTz: true });
      t.timestamp('dispatched_at', { useTz: true });
      t.integer('attempts').notNullable().defaultTo(0);
      t.timestamp('deadline_at', { useTz: true });
      t.timestamp('completed_at', { useTz: true });
      t.jsonb('result');
      t.jsonb('error');
      t.integer('late_acks').notNullable().defaultTo(0);
      t.index(['gateway_id', 'issued_at']);
      t.index(['status', 'deadline_at']);
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as Data;
    const rows = () => trx(table('remote_commands')).where({ id: data.command_id });
    switch (event.type) {
      case 'RemoteCommandIssued': {
        const issuedAt = data.issued_at as string;
        const expiresAt = data.expires_at as string | null;
        await trx(table('remote_commands'))
          .insert({
            id: data.command_id,
            gateway_id: data.gateway_id,
            home_id: data.home_id,
            status: 'issued',
            device_id: data.device_id,
            action: data.action,
            params: JSON.stringify(data.params),
            issued_by: data.issued_by,
            issued_at: issuedAt,
            timeout_s: data.timeout_s,
            ttl_s: data.ttl_s,
            expires_at: expiresAt,
            deadline_at: expiresAt ?? addSeconds(issuedAt, data.timeout_s as number),
          })
          .onConflict('id')
          .ignore();
        return;
      }
      case 'RemoteCommandDispatched': {
        const at = data.dispatched_at as string;
        // The ack is overdue timeout_s after this dispatch: computed from the row's own timeout_s in the update,
        // not read first (one statement per dispatch instead of two; no row, no update, as before).
        await rows().update({
          status: 'dispatched',
          dispatched_at: at,
          attempts: data.attempt,
          deadline_at: trx.raw("?::timestamptz + timeout_s * interval '1 second'", [at]),
        });
        return;
      }
      case 'RemoteCommandSucceeded':
        await rows().update({
          status: 'succeeded',
          completed_at: data.completed_at,
          deadline_at: null,
          result: JSON.stringify(data.result ?? null),
        });
        return;
      case 'RemoteCommandFailed':
        await rows().update({
          status: 'failed',
          completed_at: data.completed_at,
          deadline_at: null,
          error: JSON.stringify(data.error),
        });
        return;
      case 'RemoteCommandTimedOut':
        await rows().update({ status: 'timed_out', completed_at: data.completed_at, deadline_at: null });
        return;
      case 'RemoteCommandExpired':
        await rows().update({ status: 'expired', completed_at: data.completed_at, deadline_at: null });
        return;
      case 'RemoteCommandLateAckRecorded':
        await rows().increment('late_acks', 1);
        return;
    }
  },
};
