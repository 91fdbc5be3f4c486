import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Subject, filter, map, merge, type Observable } from 'rxjs';
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
import { decodeWakeupPayload, encodeWakeupPayload, type Wakeup } from '../wakeup.ts';
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

interface AppendRow {
  outcome: 'appended' | 'already_appended' | 'wrong_expected_version' | 'id_conflict';
  last_revision: number | string | null;
  txid: string | null;
  last_position: number | string | null;
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
  private readonly localAppends = new Subject<Wakeup>();
  private readonly wakeups: Observable<Wakeup>;
  /** Tags this store's NOTIFYs: its own come back through LISTEN, after the local wake-up already fired. */
  private readonly notifierTag = randomUUID();
  /** Event types appended since the last NOTIFY left: the next one names them. */
  private readonly typesToNotify = new Set<string>();
  private readonly pollIntervalMs: number;
  private readonly listener: NotificationListener | undefined;
  private notifying: Promise<void> | null = null;
  private nextNotification: Promise<void> | null = null;
  private closed = false;

  private constructor(options: PostgresEventStoreOptions) {
    this.knex = options.knex;
    this.kind = options.kind;
    this.listener = options.listener;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.wakeups = options.listener
      ? merge(
          this.localAppends,
          options.listener.notifications(APPEND_NOTIFY_CHANNEL).pipe(
            filter((payload) => !payload.startsWith(`${this.notifierTag}:`)),
            map((payload) => decodeWakeupPayload(payload.slice(payload.indexOf(':') + 1))),
          ),
        )
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
    const expected = options.expectedRevision;
    // One statement, one round trip, its own transaction: see es_append in schema.ts.
    const result = await this.knex.raw(
      'select outcome, last_revision, txid, last_position from es_append(?, ?, ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[])',
      [
        stream,
        String(expected),
        events.map((event) => event.id),
        events.map((event) => event.type),
        events.map((event) => JSON.stringify(event.data)),
        events.map((event) => JSON.stringify(event.metadata)),
      ],
    );
    const row = (result.rows as AppendRow[])[0]!;
    if (row.outcome === 'wrong_expected_version' || row.outcome === 'id_conflict') {
      const actual = row.last_revision === null ? 'no_stream' : Number(row.last_revision);
      // Ids already stored, but not as this append: no expectation can make it succeed, reported as for 'any'.
      throw new WrongExpectedVersionError(stream, row.outcome === 'id_conflict' ? 'any' : expected, actual);
    }
    if (row.outcome === 'appended') {
      const types = [...new Set(events.map((event) => event.type))];
      // Sequence 0 of the append's transaction: at or before each of its events in the $all order.
      this.localAppends.next({ types, stream, notBefore: encodePosition(row.txid!, 0) });
      if (this.listener) for (const type of types) this.typesToNotify.add(type);
      await this.notifyOtherProcesses();
    }
    return { nextExpectedRevision: Number(row.last_revision), position: encodePosition(row.txid!, row.last_position!) };
  }

  /**
   * Wakes other processes' subscribers (LISTEN) after the append committed. Not inside the append: a transaction
   * that NOTIFYs holds a global lock through its commit, which serialises every appending transaction (no group
   * commit). Coalesced: while one notification is in flight, every append that committed meanwhile shares the
   * next one. The append waits for it, so no transaction of ours is still open when the append returns (readers
   * of `$all` only see events older than every open transaction). `synchronous_commit` is off for the
   * notification's own commit: a lost wake-up only delays subscribers until their poll.
   */
  private notifyOtherProcesses(): Promise<void> {
    if (this.kind !== 'postgres' || this.closed) return Promise.resolve();
    if (this.notifying === null) {
      // `tag:types`; another process wakes only the subscribers whose filter names one of the types.
      const payload = `${this.notifierTag}:${encodeWakeupPayload(this.typesToNotify)}`;
      this.typesToNotify.clear();
      this.notifying = this.knex
        .raw("select set_config('synchronous_commit', 'off', true), pg_notify(?, ?)", [APPEND_NOTIFY_CHANNEL, payload])
        .then(
          () => {},
          () => {}, // subscribers still poll
        )
        .finally(() => {
          this.notifying = null;
        });
      return this.notifying;
    }
    // The one in flight may have started before our commit: ride on the next one.
    this.nextNotification ??= this.notifying.then(() => {
      this.nextNotification = null;
      return this.notifyOtherProcesses();
    });
    return this.nextNotification;
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
        filter: options.filter,
        pollIntervalMs: this.pollIntervalMs,
      },
      options.after ?? null,
    );
  }

  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  async close(): Promise<void> {
    await this.nextNotification;
    await this.notifying;
    this.closed = true;
    this.localAppends.complete();
    await this.listener?.close();
  }
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (violated === undefined || violated === constraint);
}
