import type { Knex } from 'knex';
import { orderingTimeOf } from '../../domain/bridge/device-report-time.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';
import { applyBridgeBatch } from './bridge-projection-batch.ts';
import { eraseSessionOrigins } from './erased-subjects.ts';

interface SessionOpened {
  session_id: string;
  gateway_id: string;
  home_id: string;
  node_id: string;
  remote_address: string | null;
  user_agent: string | null;
}
interface SessionClosed {
  session_id: string;
  gateway_id: string;
  reason: string;
  frames_in: number;
  frames_out: number;
}
interface StatesReported {
  gateway_id: string;
  home_id: string;
  /** A state is any JSON value: an object from `/bridge/`, often a bare string from the field edge. */
  devices: Array<{ device_id: string; state: unknown; reported_at: string }>;
}
interface MetadataSynced {
  gateway_id: string;
  home_id: string;
  metadata: Record<string, unknown>;
}

/**
 * What the bridge saw: sessions (for `…/sessions/`), gateway presence (online, last seen), the latest state per
 * device (an older report never overwrites a newer one) and each home's latest metadata snapshot.
 *
 * Version 2: a report's `reported_at` is capped at a day past the moment it was stored (`orderingTimeOf`), so a
 * report stored before the bridge checked device clocks (year 9999) no longer pins a device's state.
 */
export const bridgeProjection: Projection = {
  name: 'bridge',
  version: 2,
  eventTypes: [
    'BridgeSessionOpened',
    'BridgeSessionClosed',
    'DeviceStatesReported',
    'HomeMetadataSynced',
    'PersonalDataErased',
  ],
  tables: ['bridge_sessions', 'gateway_presence', 'device_states', 'home_metadata'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('bridge_sessions'), (t) => {
      t.uuid('session_id').primary();
      t.uuid('gateway_id').notNullable();
      t.uuid('home_id').notNullable();
      t.text('node_id').notNullable();
      t.text('remote_address');
      t.text('user_agent');
      t.timestamp('started_at', { useTz: true }).notNullable();
      t.timestamp('ended_at', { useTz: true });
      t.text('close_reason');
      t.integer('frames_in').notNullable().defaultTo(0);
      t.integer('frames_out').notNullable().defaultTo(0);
      t.index(['gateway_id', 'started_at']);
      t.index(['node_id', 'ended_at']);
    });
    await knex.schema.createTable(table('gateway_presence'), (t) => {
      t.uuid('gateway_id').primary();
      t.uuid('session_id');
      t.boolean('online').notNullable();
      t.timestamp('last_seen', { useTz: true }).notNullable();
    });
    await knex.schema.createTable(table('device_states'), (t) => {
      t.uuid('gateway_id').notNullable();
      t.text('device_id').notNullable();
      t.uuid('home_id').notNullable();
      t.jsonb('state').notNullable();
      t.timestamp('reported_at', { useTz: true }).notNullable();
      t.primary(['gateway_id', 'device_id']);
    });
    await knex.schema.createTable(table('home_metadata'), (t) => {
      t.uuid('home_id').primary();
      t.uuid('gateway_id').notNullable();
      t.jsonb('metadata').notNullable();
      t.timestamp('synced_at', { useTz: true }).notNullable();
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const at = event.created;
    switch (event.type) {
      case 'BridgeSessionOpened': {
        const data = event.data as unknown as SessionOpened;
        await trx(table('bridge_sessions'))
          .insert({
            session_id: data.session_id,
            gateway_id: data.gateway_id,
            home_id: data.home_id,
            node_id: data.node_id,
            remote_address: data.remote_address,
            user_agent: data.user_agent,
            started_at: at,
          })
          .onConflict('session_id')
          .ignore();
        await trx(table('gateway_presence'))
          .insert({ gateway_id: data.gateway_id, session_id: data.session_id, online: true, last_seen: at })
          .onConflict('gateway_id')
          .merge();
        return;
      }
      case 'BridgeSessionClosed': {
        const data = event.data as unknown as SessionClosed;
        await trx(table('bridge_sessions')).where({ session_id: data.session_id }).update({
          ended_at: at,
          close_reason: data.reason,
          frames_in: data.frames_in,
          frames_out: data.frames_out,
        });
        // Offline only if this was the gateway's current session (a replaced one closes after its successor opened).
        await trx(table('gateway_presence'))
          .where({ gateway_id: data.gateway_id, session_id: data.session_id })
          .update({ online: false, last_seen: at });
        return;
      }
      case 'DeviceStatesReported': {
        const data = event.data as unknown as StatesReported;
        for (const device of data.devices) {
          await trx.raw(
            `insert into ?? as d (gateway_id, device_id, home_id, state, reported_at) values (?, ?, ?, ?::jsonb, ?)
             on conflict (gateway_id, device_id) do update set state = excluded.state, reported_at = excluded.reported_at
             where d.reported_at <= excluded.reported_at`,
            [
              table('device_states'),
              data.gateway_id,
              device.device_id,
              data.home_id,
              JSON.stringify(device.state),
              orderingTimeOf(device.reported_at, at).toISOString(),
            ],
          );
        }
        await touch(trx, table('gateway_presence'), data.gateway_id, at);
        return;
      }
      case 'HomeMetadataSynced': {
        const data = event.data as unknown as MetadataSynced;
        await trx(table('home_metadata'))
          .insert({
            home_id: data.home_id,
            gateway_id: data.gateway_id,
            metadata: JSON.stringify(data.metadata),
            synced_at: at,
          })
          .onConflict('home_id')
          .merge();
        await touch(trx, table('gateway_presence'), data.gateway_id, at);
        return;
      }
      case 'PersonalDataErased':
        await eraseSessionOrigins(trx, event, table);
        return;
    }
  },

  // Pages of telemetry are long runs of one type: a few statements per run instead of a few per event.
  applyBatch: applyBridgeBatch,
};

async function touch(trx: Knex.Transaction, presence: string, gatewayId: string, at: Date): Promise<void> {
  await trx(presence).where({ gateway_id: gatewayId }).update({ last_seen: at });
}
