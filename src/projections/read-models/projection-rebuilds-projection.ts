import type { Knex } from 'knex';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';

interface RebuildData {
  rebuild_id: string;
  projection: string;
  reason?: string;
  node_id?: string;
  done?: number;
  total?: number | null;
  applied?: number;
  rejected?: number;
  error?: string;
  abandoned?: boolean;
}

/**
 * `projection_rebuilds`: the rebuilds staff started from the admin API (one row each: who, why, on which node,
 * progress, and how it ended), for `GET /api/admin/projections`. Whether a `running` row's node still works on it
 * is not here: the rebuild lease says (src/projections/rebuild-lease.ts).
 */
export const projectionRebuildsProjection: Projection = {
  name: 'projection_rebuilds',
  version: 1,
  eventTypes: [
    'ProjectionRebuildStarted',
    'ProjectionRebuildProgressed',
    'ProjectionRebuildCompleted',
    'ProjectionRebuildFailed',
  ],
  tables: ['projection_rebuilds'],

  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('projection_rebuilds'), (t) => {
      t.uuid('rebuild_id').primary();
      t.text('projection').notNullable();
      t.text('state').notNullable();
      t.uuid('staff_id');
      t.text('reason').notNullable();
      t.text('node_id').notNullable();
      t.bigInteger('done').notNullable().defaultTo(0);
      t.bigInteger('total');
      t.bigInteger('rejected');
      t.text('error');
      t.boolean('abandoned').notNullable().defaultTo(false);
      t.timestamp('started_at', { useTz: true }).notNullable();
      t.timestamp('updated_at', { useTz: true }).notNullable();
      t.timestamp('finished_at', { useTz: true });
      t.index(['projection', 'started_at']);
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    const data = event.data as unknown as RebuildData;
    const rows = () => trx(table('projection_rebuilds')).where({ rebuild_id: data.rebuild_id });
    const at = event.created;
    switch (event.type) {
      case 'ProjectionRebuildStarted':
        await trx(table('projection_rebuilds'))
          .insert({
            rebuild_id: data.rebuild_id,
            projection: data.projection,
            state: 'running',
            staff_id: actorId(event),
            reason: data.reason ?? '',
            node_id: data.node_id ?? '',
            started_at: at,
            updated_at: at,
          })
          .onConflict('rebuild_id')
          .ignore();
        return;
      case 'ProjectionRebuildProgressed':
        await rows().update({ done: data.done, total: data.total ?? null, updated_at: at });
        return;
      case 'ProjectionRebuildCompleted': {
        const done = (data.applied ?? 0) + (data.rejected ?? 0);
        await rows().update({
          state: 'completed',
          done,
          total: done,
          rejected: data.rejected,
          updated_at: at,
          finished_at: at,
        });
        return;
      }
      case 'ProjectionRebuildFailed':
        await rows().update({
          state: 'failed',
          error: data.error ?? null,
          abandoned: data.abandoned ?? false,
          updated_at: at,
          finished_at: at,
        });
        return;
    }
  },
};

/** The staff member who started it (the event's actor), or null for an actor without an id. */
function actorId(event: RecordedEvent): string | null {
  const actor = (event.metadata as { actor?: { id?: unknown } }).actor;
  return typeof actor?.id === 'string' && /^[0-9a-f-]{36}$/i.test(actor.id) ? actor.id : null;
}
