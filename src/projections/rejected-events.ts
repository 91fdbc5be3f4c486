import type { Knex } from 'knex';
import type { Position, RecordedEvent } from '../eventstore/port.ts';

/**
 * Dead letters: the events a projection could not apply (a poison event), one row per (projection, position),
 * written in the same transaction as the checkpoint that moves past the event. The event itself stays in the log;
 * the row says where it is and why it was rejected (never its data). A rebuild writes its own rows under a
 * scope of its own (`users__rebuild`) and swaps them in with its tables; a verify replay does the same under
 * `users__verify` and drops them.
 */
export const REJECTED_EVENTS_TABLE = 'projection_rejected_events';

export interface Rejection {
  position: Position;
  stream: string;
  revision: number;
  eventId: string;
  eventType: string;
  error: string;
  attempts: number;
}

export interface RejectedEventRow {
  projection: string;
  position: Position;
  stream: string;
  revision: number;
  event_id: string;
  event_type: string;
  error: string;
  attempts: number;
  rejected_at: Date;
}

/** Per projection: how many events it rejected, and the latest one. */
export interface RejectionSummary {
  count: number;
  latest: { position: Position; eventType: string; error: string; rejectedAt: Date } | null;
}

export const NO_REJECTIONS: RejectionSummary = { count: 0, latest: null };

export async function createRejectedEventsTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(REJECTED_EVENTS_TABLE, (table) => {
    table.text('projection').notNullable();
    // Collation "C": positions are fixed-width digit strings whose byte order is the log's order.
    table.specificType('position', 'text collate "C"').notNullable();
    table.text('stream').notNullable();
    table.integer('revision').notNullable();
    table.text('event_id').notNullable();
    table.text('event_type').notNullable();
    table.text('error').notNullable();
    table.integer('attempts').notNullable();
    table.timestamp('rejected_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    table.primary(['projection', 'position']);
  });
}

export function rejectionOf(event: RecordedEvent, error: string, attempts: number): Rejection {
  return {
    position: event.position,
    stream: event.streamName,
    revision: event.revision,
    eventId: event.id,
    eventType: event.type,
    error,
    attempts,
  };
}

/** Records rejections under `scope` (a projection's name, or its rebuild/verify scope). Idempotent per position. */
export async function recordRejections(
  trx: Knex.Transaction,
  scope: string,
  rejections: readonly Rejection[],
): Promise<void> {
  if (rejections.length === 0) return;
  const rows = rejections.map((rejection) => ({
    projection: scope,
    position: rejection.position,
    stream: rejection.stream,
    revision: rejection.revision,
    event_id: rejection.eventId,
    event_type: rejection.eventType,
    error: rejection.error,
    attempts: rejection.attempts,
  }));
  await trx(REJECTED_EVENTS_TABLE)
    .insert(rows)
    .onConflict(['projection', 'position'])
    .merge(['error', 'attempts', 'rejected_at']);
}

export async function readRejectionSummary(knex: Knex | Knex.Transaction, scope: string): Promise<RejectionSummary> {
  const counted = await knex(REJECTED_EVENTS_TABLE)
    .where({ projection: scope })
    .count<Array<{ count: string | number }>>({ count: '*' });
  const count = Number(counted[0]?.count ?? 0);
  if (count === 0) return NO_REJECTIONS;
  const latest: RejectedEventRow | undefined = await knex(REJECTED_EVENTS_TABLE)
    .where({ projection: scope })
    .orderBy('position', 'desc')
    .first();
  return {
    count,
    latest: latest
      ? {
          position: latest.position,
          eventType: latest.event_type,
          error: latest.error,
          rejectedAt: new Date(latest.rejected_at),
        }
      : null,
  };
}

export async function readRejections(
  knex: Knex | Knex.Transaction,
  scope: string,
  limit = 100,
): Promise<RejectedEventRow[]> {
  return knex(REJECTED_EVENTS_TABLE).where({ projection: scope }).orderBy('position').limit(limit);
}

export async function clearRejections(knex: Knex | Knex.Transaction, scope: string): Promise<void> {
  await knex(REJECTED_EVENTS_TABLE).where({ projection: scope }).delete();
}

/** At a rebuild's swap: the rebuilt rejections replace the projection's (same transaction as the tables). */
export async function swapRejections(trx: Knex.Transaction, projection: string, freshScope: string): Promise<void> {
  await clearRejections(trx, projection);
  await trx(REJECTED_EVENTS_TABLE).where({ projection: freshScope }).update({ projection });
}

/** Adds rejections just recorded to a summary kept in memory (the runner's status). */
export function withRejections(
  summary: RejectionSummary,
  rejections: readonly Rejection[],
  at: Date,
): RejectionSummary {
  const last = rejections[rejections.length - 1];
  if (!last) return summary;
  return {
    count: summary.count + rejections.length,
    latest: { position: last.position, eventType: last.eventType, error: last.error, rejectedAt: at },
  };
}
