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
  createTables(knex: Knex, table: TableNames): Promise<void>;
  apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames): Promise<void>;
}
