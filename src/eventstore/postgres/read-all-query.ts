import type { Knex } from 'knex';
import { decodePosition, encodePosition } from '../position.ts';
import type { AllFilter, CountEventsOptions, Position, ReadAllOptions, RecordedEvent } from '../port.ts';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './event-rows.ts';

/**
 * Reading `$all` on PostgreSQL: a page after a position, a count, the head. Only transactions older than every
 * running *appender* are read (es_read_horizon in schema.ts): nothing can still commit below that horizon, so a
 * page never skips an event that commits late and the order of what was read never changes.
 */

/**
 * The statement's read horizon, computed once per statement (an initplan) from the statement's own snapshot: the
 * horizon must never be newer than the snapshot the rows are read with.
 */
const READ_HORIZON = '(select es_read_horizon(pg_current_snapshot()))';
/** The same, for a statement with several scans that must share one horizon (a CTE is evaluated once). */
const READ_HORIZON_CTE = 'with read_horizon as materialized (select es_read_horizon(pg_current_snapshot()) as horizon)';
export const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;

/** A piece of a `where` clause (starting with ` and`, or empty) and its bindings. */
interface Clause {
  sql: string;
  bindings: Knex.RawBinding[];
}

const NO_CLAUSE: Clause = { sql: '', bindings: [] };

/** Events strictly after `after` in `$all`'s order (transaction id, then position in it). */
function afterClause(after: Position | null | undefined): Clause {
  if (!after) return NO_CLAUSE;
  const { major, minor } = decodePosition(after);
  return {
    sql: ' and (transaction_id, global_position) > (?::text::xid8, ?::bigint)',
    bindings: [major.toString(), minor.toString()],
  };
}

function filterClause(filter: AllFilter | undefined): Clause {
  if (!filter) return NO_CLAUSE;
  if ('eventTypes' in filter) return { sql: ' and type = any(?::text[])', bindings: [[...filter.eventTypes]] };
  if (filter.streamPrefixes.length === 0) return { sql: ' and false', bindings: [] };
  // starts_with keeps '%' and '_' in a prefix literal (LIKE would treat them as wildcards).
  const ors = filter.streamPrefixes.map(() => 'starts_with(stream_name, ?)').join(' or ');
  return { sql: ` and (${ors})`, bindings: [...filter.streamPrefixes] };
}

export async function readAllPage(knex: Knex, options: ReadAllOptions): Promise<RecordedEvent[]> {
  const limit = Math.min(Math.max(1, options.maxCount ?? DEFAULT_PAGE), MAX_PAGE);
  const after = afterClause(options.after);
  if (options.filter && 'eventTypes' in options.filter && options.filter.eventTypes.length > 1) {
    return readSeveralTypes(knex, options.filter.eventTypes, after, limit);
  }
  const filter = filterClause(options.filter);
  const result = await knex.raw(
    `select ${EVENT_COLUMNS} from es_events
     where transaction_id < ${READ_HORIZON}${after.sql}${filter.sql}
     order by es_events.transaction_id, es_events.global_position
     limit ?`,
    [...after.bindings, ...filter.bindings, limit],
  );
  return (result.rows as EventRow[]).map(toRecordedEvent);
}

/**
 * Several types. Most reads are near the head (a projection a batch behind, a subscription catching up to the
 * tail): the log after the position is short, and one ordered scan of it that keeps the wanted types answers
 * (`probeSeveralTypes`). Only when that scan stops at its bound without filling the page does the read fall back
 * to the merge of one index scan per type, whose cost is in planning and starting a branch per type (33 for the
 * audit index: ~4–20 ms of the server's CPU per page, the bulk of PostgreSQL's time in a reconnect storm).
 */
async function readSeveralTypes(
  knex: Knex,
  eventTypes: readonly string[],
  after: Clause,
  limit: number,
): Promise<RecordedEvent[]> {
  const probed = await probeSeveralTypes(knex, eventTypes, after, limit);
  return probed ?? mergeSeveralTypes(knex, eventTypes, after, limit);
}

/** How many events after the position the probe looks at, per event of the page asked for. */
const PROBE_EVENTS_PER_PAGE_EVENT = 2;

/**
 * The first `limit` events of the types after the position, from one ordered scan (es_events_all_order) of at
 * most PROBE_EVENTS_PER_PAGE_EVENT × limit events of any type; null when that scan stopped at its bound with the
 * page not full (the answer may lie further on). The scan is a prefix of the log after the position, so the wanted
 * events in it are the first ones of all; when it did not reach its bound it saw everything below the horizon.
 */
async function probeSeveralTypes(
  knex: Knex,
  eventTypes: readonly string[],
  after: Clause,
  limit: number,
): Promise<RecordedEvent[] | null> {
  const bound = limit * PROBE_EVENTS_PER_PAGE_EVENT;
  // `scanned` always comes back, in one row with no event when nothing matched (the left join). Each kept event is
  // fetched by its position (`limit 1` keeps that a lookup per event rather than a join over the whole log).
  const result = await knex.raw(
    `${READ_HORIZON_CTE}, scanned as materialized (
       select global_position as scanned_position, transaction_id as scanned_transaction, type as scanned_type
         from es_events where transaction_id < (select horizon from read_horizon)${after.sql}
        order by transaction_id, global_position limit ?),
     kept as materialized (
       select scanned_position, scanned_transaction from scanned where scanned_type = any(?::text[])
        order by scanned_transaction, scanned_position limit ?)
     select counted.scanned, wanted.* from (select count(*)::int as scanned from scanned) counted
     left join lateral (
       select ${EVENT_COLUMNS}, kept.scanned_transaction, kept.scanned_position from kept
       cross join lateral (
         select * from es_events where es_events.global_position = kept.scanned_position limit 1) es_events
     ) wanted on true
     order by wanted.scanned_transaction, wanted.scanned_position`,
    [...after.bindings, bound, [...eventTypes], limit],
  );
  const rows = result.rows as Array<EventRow & { scanned: number }>;
  const events = rows.filter((row) => row.global_position !== null).map(toRecordedEvent);
  const sawEverything = (rows[0]?.scanned ?? 0) < bound;
  return events.length === limit || sawEverything ? events : null;
}

/**
 * One ordered index scan per type (es_events_type_order), merged: for a read far behind the head. A single
 * `type = any(…)` makes Postgres sort every matching row after the position for each page (slow on a large log).
 */
async function mergeSeveralTypes(
  knex: Knex,
  eventTypes: readonly string[],
  after: Clause,
  limit: number,
): Promise<RecordedEvent[]> {
  const branches = eventTypes.map(
    () => `(select transaction_id, ${EVENT_COLUMNS} from es_events
       where transaction_id < (select horizon from read_horizon)${after.sql} and type = ?
       order by transaction_id, global_position limit ?)`,
  );
  const bindings = eventTypes.flatMap((type) => [...after.bindings, type, limit]);
  const merged = await knex.raw(
    `${READ_HORIZON_CTE} select * from (${branches.join(' union all ')}) merged
     order by transaction_id, global_position limit ?`,
    [...bindings, limit],
  );
  return (merged.rows as EventRow[]).map(toRecordedEvent);
}

export async function countEvents(knex: Knex, options: CountEventsOptions): Promise<number> {
  const after = afterClause(options.after);
  const filter = filterClause(options.filter);
  const limit: Clause = options.limit !== undefined ? { sql: ' limit ?', bindings: [options.limit] } : NO_CLAUSE;
  const result = await knex.raw(
    `select count(*)::int as count from (select 1 from es_events
     where transaction_id < ${READ_HORIZON}${after.sql}${filter.sql}${limit.sql}) counted`,
    [...after.bindings, ...filter.bindings, ...limit.bindings],
  );
  return Number((result.rows as Array<{ count: number }>)[0]!.count);
}

export async function headPosition(knex: Knex): Promise<Position | null> {
  const result = await knex.raw(
    `select transaction_id::text as txid, global_position from es_events
     where transaction_id < ${READ_HORIZON}
     order by es_events.transaction_id desc, global_position desc limit 1`,
  );
  const row = (result.rows as Array<{ txid: string; global_position: number | string }>)[0];
  return row ? encodePosition(row.txid, row.global_position) : null;
}
