import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { Subject, filter, map, merge, share, type Observable } from 'rxjs';
import { wakeupFor, type AppendSignal } from '../append-signal.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../errors.ts';
import { catchUpSubscription } from '../catch-up-subscription.ts';
import { checkStreamAppends } from '../check-stream-appends.ts';
import { decodePosition, encodePosition, maxPosition } from '../position.ts';
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
  StreamAppend,
  StreamAppendOutcome,
  SubscribeToAllOptions,
} from '../port.ts';
import { appendBatch, type BatchAppendRow } from './append-batch.ts';
import { appendNotificationPayload, parseAppendNotification } from './append-notification.ts';
import { ensureEventStoreSchema } from './schema.ts';
import type { NotificationListener } from './notification-listener.ts';

export const APPEND_NOTIFY_CHANNEL = 'es_appended';

/**
 * The statement's read horizon, computed once per statement (an initplan) from the statement's own snapshot: the
 * horizon must never be newer than the snapshot the rows are read with.
 */
const READ_HORIZON = '(select es_read_horizon(pg_current_snapshot()))';
/** The same, for a statement with several scans that must share one horizon (a CTE is evaluated once). */
const READ_HORIZON_CTE = 'with read_horizon as materialized (select es_read_horizon(pg_current_snapshot()) as horizon)';
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
  listener?: NotificationListener | undefined;
  /** Fallback poll while idle (also covers a NOTIFY lost while reconnecting). */
  pollIntervalMs?: number;
}

/**
 * The event store on PostgreSQL, written once with Knex: runs on a Postgres server (`pg`) and on embedded PGlite.
 */
export class PostgresEventStore implements EventStore {
  readonly kind: Extract<EventStoreKind, 'pglite' | 'postgres'>;
  private readonly knex: Knex;
  private readonly localAppends = new Subject<AppendSignal>();
  /** Appends of this process and (with a listener) of the others, each saying what it wrote as far as known. */
  private readonly appends: Observable<AppendSignal>;
  private readonly pollIntervalMs: number;
  private readonly listener: NotificationListener | undefined;
  /** Names this store in its NOTIFY payloads, so it can ignore its own (its subscribers were woken locally). */
  private readonly senderId = randomUUID();
  private notifying: Promise<void> | null = null;
  private nextNotification: Promise<void> | null = null;
  /** Event types (and positions) appended since the notification in flight started: the next one announces them. */
  private unannounced = new Map<string, Position>();
  private closed = false;

  private constructor(options: PostgresEventStoreOptions) {
    this.knex = options.knex;
    this.kind = options.kind;
    this.listener = options.listener;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    const remoteAppends = options.listener?.notifications(APPEND_NOTIFY_CHANNEL).pipe(
      map(parseAppendNotification),
      filter(({ from }) => from !== this.senderId),
      map(({ signal }) => signal),
      share(), // parsed once, however many subscriptions there are
    );
    this.appends = remoteAppends ? merge(this.localAppends, remoteAppends) : this.localAppends;
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
    const outcome = outcomeOf(stream, expected, row);
    if (outcome instanceof Error) throw outcome;
    if (row.outcome === 'appended') await this.announce([{ stream, events, txid: row.txid! }]);
    return outcome;
  }

  /**
   * Many streams in one statement and one transaction (es_append_batch), each with its own outcome. A stream that
   * raced an identical append (`retry`) is appended once more in a second batch, as appendToStream does.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    checkStreamAppends(appends);
    if (appends.length === 0) return [];
    const outcomes = new Array<StreamAppendOutcome>(appends.length);
    let pending = appends.map((_, index) => index);
    for (let attempt = 1; pending.length > 0; attempt++) {
      const rows = await appendBatch(this.knex, pending.map((index) => appends[index]!));
      const appended: Array<{ stream: string; events: readonly EventToAppend[]; txid: string }> = [];
      const retry: number[] = [];
      rows.forEach((row, at) => {
        const index = pending[at]!;
        const { stream, events, expectedRevision } = appends[index]!;
        if (row.outcome === 'retry') {
          if (attempt === 1) retry.push(index);
          else outcomes[index] = new Error(`Append to ${stream} raced an identical append twice; append it again`);
          return;
        }
        outcomes[index] = outcomeOf(stream, expectedRevision, row);
        if (row.outcome === 'appended') appended.push({ stream, events, txid: row.txid! });
      });
      if (appended.length > 0) await this.announce(appended);
      pending = retry;
    }
    return outcomes;
  }

  /** Wakes this process's subscribers at once, and other processes' after the commit (see notifyOtherProcesses). */
  private announce(appends: ReadonlyArray<{ stream: string; events: readonly EventToAppend[]; txid: string }>): Promise<void> {
    const all: Record<string, Position> = {};
    for (const { stream, events, txid } of appends) {
      // The transaction's id is the lowest position any of its events can have.
      const lowest = encodePosition(txid, 0);
      const types = Object.fromEntries(events.map((event) => [event.type, lowest]));
      Object.assign(all, types);
      this.localAppends.next({ types, streamName: stream });
    }
    return this.notifyOtherProcesses(all);
  }

  /**
   * Wakes other processes' subscribers (LISTEN) after the append committed. Not inside the append: a transaction
   * that NOTIFYs holds a global lock through its commit, which serialises every appending transaction (no group
   * commit). Coalesced: while one notification is in flight, every append that committed meanwhile shares the
   * next one. The append waits for it, so no transaction of ours is still open when the append returns (readers
   * of `$all` only see events older than every open transaction). `synchronous_commit` is off for the
   * notification's own commit: a lost wake-up only delays subscribers until their poll. The payload names the
   * event types of every append it covers (append-notification.ts).
   */
  private notifyOtherProcesses(types: Readonly<Record<string, Position>>): Promise<void> {
    if (this.kind !== 'postgres' || this.closed) return Promise.resolve();
    for (const [type, position] of Object.entries(types)) this.unannounced.set(type, maxPosition(this.unannounced.get(type) ?? null, position)!);
    if (this.notifying === null) {
      const payload = appendNotificationPayload(this.senderId, this.unannounced);
      this.unannounced = new Map();
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
      return this.notifyOtherProcesses({});
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
    // Only transactions older than every running *appender* are read (es_read_horizon in schema.ts): nothing can
    // still commit below that horizon, so a page never skips an event that commits late and the order of what was
    // read never changes.
    if (options.filter && 'eventTypes' in options.filter && options.filter.eventTypes.length > 1) {
      // Several types: one ordered index scan per type (es_events_type_order), merged. A single `type = any(…)`
      // makes Postgres sort every matching row after the position for each page (slow on a large log).
      const branches = options.filter.eventTypes.map(
        () => `(select transaction_id, ${EVENT_COLUMNS} from es_events
           where transaction_id < (select horizon from read_horizon)${afterSql} and type = ?
           order by transaction_id, global_position limit ?)`,
      );
      const bindings = options.filter.eventTypes.flatMap((type) => [...afterBindings, type, limit]);
      const merged = await this.knex.raw(
        `${READ_HORIZON_CTE} select * from (${branches.join(' union all ')}) merged
         order by transaction_id, global_position limit ?`,
        [...bindings, limit],
      );
      return (merged.rows as EventRow[]).map(toRecordedEvent);
    }
    const result = await this.knex.raw(
      `select ${EVENT_COLUMNS} from es_events
       where transaction_id < ${READ_HORIZON}${afterSql}${filter.sql}
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
       where transaction_id < ${READ_HORIZON}${afterSql}${filter.sql}${limitSql}) counted`,
      [...afterBindings, ...filter.bindings, ...limitBindings],
    );
    return Number((result.rows as Array<{ count: number }>)[0]!.count);
  }

  async headPosition(): Promise<Position | null> {
    const result = await this.knex.raw(
      `select transaction_id::text as txid, global_position from es_events
       where transaction_id < ${READ_HORIZON}
       order by es_events.transaction_id desc, global_position desc limit 1`,
    );
    const row = (result.rows as Array<{ txid: string; global_position: number | string }>)[0];
    return row ? encodePosition(row.txid, row.global_position) : null;
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<RecordedEvent> {
    // Only appends that may carry an event this subscription wants wake it.
    const wakeups = this.appends.pipe(
      map((signal) => wakeupFor(options.filter, signal)),
      filter((wakeup) => wakeup !== false),
      map((wakeup) => wakeup.reach),
    );
    return catchUpSubscription(
      {
        readPage: (after) => this.readAll({ after, filter: options.filter, maxCount: DEFAULT_PAGE }),
        pageSize: DEFAULT_PAGE,
        wakeups,
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

/** es_append's answer as the port's: the result, or the error a single append throws. */
function outcomeOf(stream: string, expected: AppendOptions['expectedRevision'], row: AppendRow | BatchAppendRow): StreamAppendOutcome {
  if (row.outcome === 'wrong_expected_version' || row.outcome === 'id_conflict') {
    const actual = row.last_revision === null ? 'no_stream' : Number(row.last_revision);
    // Ids already stored, but not as this append: no expectation can make it succeed, reported as for 'any'.
    return new WrongExpectedVersionError(stream, row.outcome === 'id_conflict' ? 'any' : expected, actual);
  }
  return { nextExpectedRevision: Number(row.last_revision), position: encodePosition(row.txid!, row.last_position!) };
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (violated === undefined || violated === constraint);
}
