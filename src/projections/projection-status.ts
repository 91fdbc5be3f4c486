import type { Knex } from 'knex';
import type { EventStore, Position } from '../eventstore/port.ts';
import { readCheckpoint } from './checkpoints.ts';
import type { Projection } from './projection.ts';
import { readRejectionSummary, type RejectionSummary } from './rejected-events.ts';

export type ProjectionState = 'up to date' | 'behind' | 'stale version' | 'never run';

export interface ProjectionStatus {
  name: string;
  /** The handler's version in this code. */
  version: number;
  /** The version the tables were built with (null: never built). */
  tablesVersion: number | null;
  checkpoint: Position | null;
  /** Events after the checkpoint this projection handles, counted up to `lagLimit` (then `lagCapped`). */
  lagEvents: number;
  lagCapped: boolean;
  /** Age of the oldest event not yet applied, in seconds. */
  lagSeconds: number;
  state: ProjectionState;
  /** Events it could not apply and recorded as dead letters (the projection went on after them). */
  rejected: RejectionSummary;
}

export async function projectionStatus(
  store: EventStore,
  knex: Knex,
  projection: Projection,
  lagLimit = 100_000,
): Promise<ProjectionStatus> {
  const saved = await readCheckpoint(knex, projection.name);
  const checkpoint = saved?.position ?? null;
  const filter = { eventTypes: projection.eventTypes };
  let lagEvents: number;
  if (store.countEvents) lagEvents = await store.countEvents({ after: checkpoint, filter, limit: lagLimit });
  else lagEvents = (await store.readAll({ after: checkpoint, filter, maxCount: Math.min(lagLimit, 10_000) })).length;
  const [oldest] = lagEvents > 0 ? await store.readAll({ after: checkpoint, filter, maxCount: 1 }) : [];
  const lagSeconds = oldest ? Math.max(0, (Date.now() - oldest.created.getTime()) / 1000) : 0;
  let state: ProjectionState;
  if (saved && saved.version !== projection.version) state = 'stale version';
  else if (!saved || (checkpoint === null && lagEvents > 0)) state = 'never run';
  else state = lagEvents > 0 ? 'behind' : 'up to date';
  return {
    name: projection.name,
    version: projection.version,
    tablesVersion: saved?.version ?? null,
    checkpoint,
    lagEvents,
    lagCapped: lagEvents >= lagLimit,
    lagSeconds,
    state,
    rejected: await readRejectionSummary(knex, projection.name),
  };
}
