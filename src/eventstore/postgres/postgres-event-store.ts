import type { Knex } from 'knex';
import { filter, map, type Observable } from 'rxjs';
import { wakeupFor } from '../append-signal.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../errors.ts';
import { catchUpSubscription } from '../catch-up-subscription.ts';
import { eventJson } from '../append-size.ts';
import { checkStreamAppends } from '../check-stream-appends.ts';
import { GroupCommit } from '../group-commit.ts';
import { IdlePoll } from '../idle-poll.ts';
import { SharedTail } from '../shared-tail.ts';
import { encodePosition } from '../position.ts';
import type {
  AppendOptions,
  AppendResult,
  CountEventsOptions,
  EventStore,
  EventStoreKind,
  EventToAppend,
  ExpectedRevision,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeToAllOptions,
} from '../port.ts';
import { AppendAnnouncer, type CommittedAppend } from './append-announcer.ts';
import { appendBatch, jsonbArrayArgument, type BatchAppendRow } from './append-batch.ts';
import { EVENT_COLUMNS, toRecordedEvent, type EventRow } from './event-rows.ts';
import type { NotificationListener } from './notification-listener.ts';
import { countEvents, DEFAULT_PAGE, headPosition, readAllPage } from './read-all-query.ts';
import { ensureEventStoreSchema } from './schema.ts';

export { APPEND_NOTIFY_CHANNEL } from './append-announcer.ts';

const UNIQUE_VIOLATION = '23505';

interface AppendRow {
  outcome: 'appended' | 'already_appended' | 'wrong_expected_version' | 'id_conflict';
  last_revision: number | string | null;
  txid: string | null;
  last_position: number | string | null;
}

export interface PostgresEventStoreOptions {
  knex: Knex;
  kind: Extract<EventStoreKind, 'pglite' | 'postgres'>;
  /** LISTEN/NOTIFY on a Postgres server: events appended by other processes wake subscribers at once. */
  listener?: NotificationListener | undefined;
  /**
   * Fallback poll while idle (also covers a NOTIFY lost while reconnecting): one head read per period for all of
   * this store's idle subscriptions (idle-poll.ts).
   */
  pollIntervalMs?: number;
  /** Group-commit batches in flight at once (GroupCommit's maxInFlight; default 1). */
  appendBatchesInFlight?: number;
}

/**
 * The event store on PostgreSQL, written once with Knex: runs on a Postgres server (`pg`) and on embedded PGlite.
 * Appends are here; reading `$all` is read-all-query.ts, waking subscribers append-announcer.ts.
 */
export class PostgresEventStore implements EventStore {
  readonly kind: Extract<EventStoreKind, 'pglite' | 'postgres'>;
  private readonly knex: Knex;
  private readonly announcer: AppendAnnouncer;
  /** Shared by every subscription of this store while it waits (one head read per period). */
  private readonly idlePoll: IdlePoll;
  /** One reader of the log's tail for every live subscription of this store (shared-tail.ts). */
  private readonly tail: SharedTail;
  /** Every single-stream append goes through it: concurrent appends share one transaction and one WAL flush. */
  private readonly groupCommit: GroupCommit;

  private constructor(options: PostgresEventStoreOptions) {
    this.knex = options.knex;
    this.kind = options.kind;
    this.idlePoll = new IdlePoll(() => this.headPosition(), options.pollIntervalMs ?? 1000);
    this.announcer = new AppendAnnouncer(options.knex, options.kind, options.listener);
    this.tail = new SharedTail({
      readPage: (after) => this.readAll({ after, maxCount: DEFAULT_PAGE }),
      pageSize: DEFAULT_PAGE,
      appends: this.announcer.appends,
      idlePoll: this.idlePoll,
    });
    this.groupCommit = new GroupCommit(
      {
        appendOne: ({ stream, events, expectedRevision }) => this.appendAlone(stream, events, expectedRevision),
        appendMany: (appends) => this.appendToStreams(appends),
      },
      {
        maxInFlight: options.appendBatchesInFlight,
        isStatementError,
        // PGlite runs its statements on this thread: see GroupCommitOptions.gather.
        gather: options.kind === 'pglite' ? 'next-turn' : 'microtask',
      },
    );
  }

  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    await ensureEventStoreSchema(options.knex);
    return new PostgresEventStore(options);
  }

  async appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    if (events.length === 0) throw new TypeError('appendToStream needs at least one event');
    return this.groupCommit.append(stream, events, options.expectedRevision);
  }

  /** One append in its own statement (es_append): what a group of one costs, no subtransaction. */
  private async appendAlone(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    try {
      return await this.appendOnce(stream, events, expected);
    } catch (error) {
      // Two identical appends raced: the loser now finds the winner's events and answers idempotently.
      if (isUniqueViolation(error, 'es_events_event_id_key')) return this.appendOnce(stream, events, expected);
      throw error;
    }
  }

  private async appendOnce(
    stream: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): Promise<AppendResult> {
    // One statement, one round trip, its own transaction: see es_append in schema.ts.
    const data = jsonbArrayArgument(events.map((event) => eventJson(event).data));
    const metadata = jsonbArrayArgument(events.map((event) => eventJson(event).metadata));
    const result = await this.knex.raw(
      `select outcome, last_revision, txid, last_position
         from es_append(?, ?, ?::uuid[], ?::text[], ${data.sql}, ${metadata.sql})`,
      [
        stream,
        String(expected),
        events.map((event) => event.id),
        events.map((event) => event.type),
        data.value,
        metadata.value,
      ],
    );
    const row = (result.rows as AppendRow[])[0]!;
    const outcome = outcomeOf(stream, expected, row);
    if (outcome instanceof Error) throw outcome;
    // Not awaited: the NOTIFY is for other processes (see AppendAnnouncer.announce); the append is committed.
    if (row.outcome === 'appended') void this.announcer.announce([{ stream, events, txid: row.txid! }]);
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
      const rows = await appendBatch(
        this.knex,
        pending.map((index) => appends[index]!),
      );
      const appended: CommittedAppend[] = [];
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
      if (appended.length > 0) void this.announcer.announce(appended);
      pending = retry;
    }
    return outcomes;
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

  readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return readAllPage(this.knex, options);
  }

  countEvents(options: CountEventsOptions): Promise<number> {
    return countEvents(this.knex, options);
  }

  headPosition(): Promise<Position | null> {
    return headPosition(this.knex);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<RecordedEvent> {
    // While it reads its own pages, only appends that may carry an event it wants wake it.
    const wakeups = this.announcer.appends.pipe(
      map((signal) => wakeupFor(options.filter, signal)),
      filter((wakeup) => wakeup !== false),
      map((wakeup) => wakeup.reach),
    );
    return catchUpSubscription(
      {
        readPage: (after) => this.readAll({ after, filter: options.filter, maxCount: DEFAULT_PAGE }),
        pageSize: DEFAULT_PAGE,
        filter: options.filter,
        wakeups,
        idlePoll: this.idlePoll,
        tail: this.tail,
      },
      options.after ?? null,
    );
  }

  async ping(): Promise<void> {
    await this.knex.raw('select 1');
  }

  close(): Promise<void> {
    return this.announcer.close();
  }
}

/** es_append's answer as the port's: the result, or the error a single append throws. */
function outcomeOf(
  stream: string,
  expected: AppendOptions['expectedRevision'],
  row: AppendRow | BatchAppendRow,
): StreamAppendOutcome {
  if (row.outcome === 'wrong_expected_version' || row.outcome === 'id_conflict') {
    const actual = row.last_revision === null ? 'no_stream' : Number(row.last_revision);
    // Ids already stored, but not as this append: no expectation can make it succeed, reported as for 'any'.
    return new WrongExpectedVersionError(stream, row.outcome === 'id_conflict' ? 'any' : expected, actual);
  }
  return { nextExpectedRevision: Number(row.last_revision), position: encodePosition(row.txid!, row.last_position!) };
}

/**
 * A failure caused by what an append holds, not by the connection: a value Postgres refuses (data exception,
 * constraint, a raise in es_append) or one that cannot be sent at all (JSON.stringify of a BigInt).
 */
function isStatementError(error: unknown): boolean {
  if (error instanceof TypeError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && ['22', '23', '42', 'P0'].includes(code.slice(0, 2));
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown };
  return code === UNIQUE_VIOLATION && (violated === undefined || violated === constraint);
}
