import type { Knex } from 'knex';
import { Subject, merge, type Observable } from 'rxjs';
import { StreamNotFoundError, WrongExpectedVersionError } from '../errors.ts';
import { catchUpSubscription } from '../catch-up-subscription.ts';
import { decodePosition, encodePosition } from '../position.ts';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  CountEventsOptions,
  EventStore,
  EventStoreKind,
  EventToAppend,
  JsonObject,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../port.ts';
import { ensureEventStoreSchema } from './schema.ts';
import type { NotificationListener } from './notification-listener.ts';

export const APPEND_NOTIFY_CHANNEL = 'es_appended';
const DEFAULT_PAGE = 1000;
const MAX_PAGE = 10_000;
const UNIQUE_VIOLATION = '23505';

interface EventRow {
  global_position: number | string;
  txid: string;
  event_id: string;
  stream_name: string;
  revision: number | string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_at: Date | string;
}

const EVENT_COLUMNS =
  'global_position, transaction_id::text as txid, event_id, stream_name, revision, type, data, metadata, created_at';

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    streamName: row.stream_name,
    revision: Number(row.revision),
    position: encodePosition(row.txid, row.global_position),
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    created: new Date(row.created_at),
  };
}

function filterClause(filter: AllFilter | undefined): { sql: string; bindings: Knex.RawBinding[] } {
  if (!filter) return { sql: '', bindings: [] };
  if ('eventTypes' in filter) return { sql: ' and type = any(?::text[])', bindings: [[...filter.eventTypes]] };
  if (filter.streamPrefixes.length === 0) return { sql: ' and false', bindings: [] };
  // starts_with keeps '%' and '_' in a prefix literal (LIKE would treat them as wildcards).
  const ors = filter.streamPrefixes.map(() => 'starts_with(stream_name, ?)').join(' or ');
  return { sql: ` and (${ors})`, bindings: [...filter.streamPrefixes] };
}

export interface PostgresEventStoreOptions {
  knex: Knex;
  kind: Extract<EventStoreKind, 'pglite' | 'postgres'>;
  /** LISTEN/NOTIFY on a Postgres server: events appended by other processes wake subscribers at once. */
  listener?: NotificationListener;
  /** Fallback poll while idle (also covers a NOTIFY lost while reconnecting). */
  pollIntervalMs?: number;
}

/**
 * The event store on PostgreSQL, written once with Knex: runs on a Postgres server (`pg`) and on embedded PGlite.
 */
export class PostgresEventStore implements EventStore {
  readonly kind: Extract<EventStoreKind, 'pglite' | 'postgres'>;
  private readonly knex: Knex;
  private readonly localAppends = new Subject<void>();
  private readonly wakeups: Observable<unknown>;
  private readonly pollIntervalMs: number;
  private readonly listener: NotificationListener | undefined;

  private constructor(options: PostgresEventStoreOptions) {
    this.knex = options.knex;
    this.kind = options.kind;
    this.listener = options.listener;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.wakeups = options.listener
      ? merge(this.localAppends, options.listener.notifications(APPEND_NOTIFY_CHANNEL))
      : this.localAppends;
  }

  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await ensureEventStoreSchema(options.knex);
    return new PostgresEventStore(options);
  }

  async appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('appendToStream needs at least one event');
    try {
      return await this.appendOnce(stream, events, options);
    } catch (error) {
      // Two identical appends raced: the loser now finds the winner's events and answers idempotently.
      if (isUniqueViolation(error, 'es_events_event_id_key')) return this.appendOnce(stream, events, options);
      throw error;
    }
  }

  private async appendOnce(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult> {
    const result = await this.knex.transaction(async (trx) => {
      const already = await this.findAlreadyAppended(trx, stream, events);
      if (already) return already;

      const lastRevision = await this.claimRevisions(trx, stream, events.length, options.expectedRevision);
      const firstRevision = lastRevision - events.length + 1;
      const rows = events.map((event, index) => ({
        event_id: event.id,
        stream_name: stream,
        revision: firstRevision + index,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      }));
      const inserted: Array<{ global_position: number | string; txid: string }> = await trx('es_events')
        .insert(rows)
        .returning(['global_position', trx.raw('transaction_id::text as txid')]);
      const last = inserted[inserted.length - 1]!;
      if (this.kind === 'postgres') await trx.raw('select pg_notify(?, ?)', [APPEND_NOTIFY_CHANNEL, '']);
      return {
        nextExpectedRevision: lastRevision,
        position: encodePosition(last.txid, last.global_position),
      };
    });
    this.localAppends.next();
    return result;
  }

  /** Idempotent append: the same event ids already stored in this stream, in this order, answer as success. */
  private async findAlreadyAppended(
    trx: Knex.Transaction,
    stream: string,
    events: readonly EventToAppend[],
  ): Promise<AppendResult | null> {
    const ids = events.map((event) => event.id);
    const rows: EventRow[] = await trx('es_events')
      .select(trx.raw(EVENT_COLUMNS))
      .whereIn('event_id', ids)
      .orderBy('global_position');
    if (rows.length === 0) return null;
    const sameAppend =
      rows.length === ids.length &&
      rows.every((row, index) => row.event_id === ids[index] && row.stream_name === stream);
    if (!sameAppend) {
      const actual = await this.currentRevision(trx, stream);
      throw new WrongExpectedVersionError(stream, 'any', actual);
    }
    const last = toRecordedEvent(rows[rows.length - 1]!);
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  /** Moves the stream's revision forward by `count` if the expectation holds; returns the new last revision. */
  private async claimRevisions(
    trx: Knex.Transaction,
    stream: string,
    count: number,
    expected: AppendOptions['expectedRevision'],
  ): Promise<number> {
    let claimed: Array<{ revision: number | string }>;
    if (expected === 'no_stream') {
      claimed = (
        await trx.raw(
          'insert into es_streams (stream_name, revision) values (?, ?) on conflict do nothing returning revision',
          [stream, count - 1],
        )
      ).rows;
    } else if (expected === 'any') {
      claimed = (
        await trx.raw(
          `insert into es_streams (stream_name, revision) values (?, ?)
           on conflict (stream_name) do update set revision = es_streams.revision + ? returning revision`,
          [stream, count - 1, count],
        )
      ).rows;
    } else if (expected === 'stream_exists') {
      claimed = (
        await trx.raw('update es_streams set revision = revision + ? where stream_name = ? returning revision', [
          count,
          stream,
        ])
      ).rows;
    } else {
      claimed = (
        await trx.raw(
          'update es_streams set revision = revision + ? where stream_name = ? and revision = ? returning revision',
          [count, stream, expected],
        )
      ).rows;
    }
    const row = claimed[0];
    if (!row) throw new WrongExpectedVersionError(stream, expected, await this.currentRevision(trx, stream));
    return Number(row.revision);
  }

  private async currentRevision(trx: Knex.Transaction | Knex, stream: string): Promise<number | 'no_stream'> {
    const row = await trx('es_streams').select('revision').where({ stream_name: stream }).first();
    return row ? Number(row.revision) : 'no_stream';
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const query = this.knex('es_events')
      .select(this.knex.raw(EVENT_COLUMNS))
      .where({ stream_name: stream })
      .orderBy('revision', backwards ? 'desc' : 'asc');
    if (options.fromRevision !== undefined) query.where('revision', backwards ? '<=' : '>=', options.fromRevision);
    if (options.maxCount !== undefined) query.limit(options.maxCount);
    const rows: EventRow[] = await query;
    if (rows.length === 0 && (await this.currentRevision(this.knex, stream)) === 'no_stream') {
      throw new StreamNotFoundError(stream);
    }
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = Math.min(Math.max(1, options.maxCount ?? DEFAULT_PAGE), MAX_PAGE);
    const after = options.after ? decodePosition(options.after) : null;
    const filter = filterClause(options.filter);
    const afterSql = after ? ' and (transaction_id, global_position) > (?::text::xid8, ?::bigint)' : '';
    const afterBindings = after ? [after.major.toString(), after.minor.toString()] : [];
    // Only transactions older than every running one are read: nothing can still commit below that horizon,
    // so a page never skips an event that commits late and the order of what was read never changes.
    if (options.filter && 'eventTypes' in options.filter && options.filter.eventTypes.length > 1) {
      // Several types: one ordered index scan per type (es_events_type_order), merged. A single `type = any(…)`
      // makes Postgres sort every matching row after the position for each page (slow on a large log).
      const branches = options.filter.eventTypes.map(
        () => `(select transaction_id, ${EVENT_COLUMNS} from es_events
           where transaction_id < pg_snapshot_xmin(pg_current_snapshot())${afterSql} and type = ?
           order by transaction_id, global_position limit ?)`,
      );
      const bindings = options.filter.eventTypes.flatMap((type) => [...afterBindings, type, limit]);
      const merged = await this.knex.raw(
        `select * from (${branches.join(' union all ')}) merged order by transaction_id, global_position limit ?`,
        [...bindings, limit],
      );
      return (merged.rows as EventRow[]).map(toRecordedEvent);
    }
    const result = await this.knex.raw(
      `select ${EVENT_COLUMNS} from es_events
       where transaction_id < pg_snapshot_xmin(pg_current_snapshot())${afterSql}${filter.sql}
       order by es_events.transaction_id, es_events.global_position
       limit ?`,
      [...afterBindings, ...filter.bindings, limit],
    );
    return (result.rows as EventRow[]).map(toRecordedEvent);
  }

  async countEvents(options: CountEventsOptions): Promise<number> {
    const after = options.after ? decodePosition(options.after) : null;
    const filter = filterClause(options.filter);
    const afterSql = after ? ' and (transaction_id, global_position) > (?::text::xid8, ?::bigint)' : '';
    const afterBindings = after ? [after.major.toString(), after.minor.toString()] : [];
    const limitSql = options.limit !== undefined ? ' limit ?' : '';
    const limitBindings = options.limit !== undefined ? [options.limit] : [];
    const result = await this.knex.raw(
      `select count(*)::int as count from (select 1 from es_events
       where transaction_id < pg_snapshot_xmin(pg_current_snapshot())${afterSql}${filter.sql}${limitSql}) counted`,
      [...afterBindings, ...filter.bindings, ...limitBindings],
    );
    return Number((result.rows as Array<{ count: number }>)[0]!.count);
  }

  async headPosition(): Promise<Position | null> {
    const result = await this.knex.raw(
      `select transaction_id::text as txid, global_position from es_events
       where transaction_id < pg_snapshot_xmin(pg_current_snapshot())
       order by es_events.transaction_id desc, global_position desc limit 1`,
    );
    const row = (result.rows as Array<{ txid: string; global_position: number | string }>)[0];
    return row ? encodePosition(row.txid, row.global_position) : null;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<RecordedEvent> {
    return catchUpSubscription(
      {
        readPage: (after) => this.readAll({ after, filter: options.filter, maxCount: DEFAULT_PAGE }),
        pageSize: DEFAULT_PAGE,
        wakeups: this.wakeups,
        pollIntervalMs: this.pollIntervalMs,
      },
      options.after ?? null,
    );
  }

  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  async close(): Promise<void> {
    this.localAppends.complete();
    await this.listener?.close();
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (violated === undefined || violated === constraint);
}
