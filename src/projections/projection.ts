import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/port.ts';

/** Maps a projection's logical table name to the physical one (live tables, or fresh ones during a rebuild). */
export type TableNames = (logical: string) => string;

export const liveTables: TableNames = (logical) => logical;

/**
 * A read model: the events it handles, the tables it owns, and how an event changes them. Handlers only touch
 * their own tables, through `trx`, so the runner can commit rows and checkpoint together.
 */
export interface Projection {
  name: string;
  /** Bump when the handler or tables change: the read model must then be rebuilt from the log. */
  version: number;
  eventTypes: readonly string[];
  tables: readonly string[];
  /**
   * Whether a write waits for this projection before answering (read-your-writes, the default). `false` for read
   * models whose readers wait at read time instead (`ProjectionSet.waitForHead`), so writes do not pay for them.
   */
  settlesWrites?: boolean;
  /**
   * How long a live runner woken by an event gathers more before applying (default: the runner's 10 ms). Longer
   * for read models nobody waits for on the write path: fewer, larger transactions. A reader that waits for the
   * projection (`waitFor`) cuts the gathering short.
   */
  gatherMs?: number;
  createTables(knex: Knex, table: TableNames): Promise<void>;
  apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames): Promise<void>;
  /**
   * Optional: applies a page of events (in global order) with few statements. Must leave the tables exactly as
   * `apply` called on each event in turn would (`projections verify` checks it). Used by the runner and rebuilds.
   */
  applyBatch?(trx: Knex.Transaction, events: readonly RecordedEvent[], table: TableNames): Promise<void>;
}

/** Applies a page through `applyBatch` when the projection has one, else event by event. */
export async function applyEvents(
  trx: Knex.Transaction,
  projection: Projection,
  events: readonly RecordedEvent[],
  table: TableNames,
): Promise<void> {
  if (events.length === 0) return;
  if (projection.applyBatch) return projection.applyBatch(trx, events, table);
  for (const event of events) await projection.apply(trx, event, table);
}

/** Physical names of a projection's fresh tables during a rebuild (`users__rebuild`) or a verify. */
export const suffixedTables =
  (suffix: string): TableNames =>
  (logical) =>
    `${logical}__${suffix}`;
