import type { Knex } from 'knex';
import {
  BehaviorSubject,
  filter,
  firstValueFrom,
  interval,
  map,
  race,
  ReplaySubject,
  Subject,
  take,
  takeUntil,
  timer,
} from 'rxjs';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { hasReached, maxPosition } from '../eventstore/position.ts';
import type { Logger } from '../logger.ts';
import { batchLockKey, lockForAsyncCommitTransaction } from './advisory-locks.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { applyPageOrReject, withPoisonFallback, type ApplyMode } from './poison-events.ts';
import { liveTables, type Projection, type TableNames } from './projection.ts';
import {
  NO_REJECTIONS,
  readRejectionSummary,
  withRejections,
  type Rejection,
  type RejectionSummary,
} from './rejected-events.ts';
import { StaleProjectionError } from './stale-projection-error.ts';

export type RunnerState = 'starting' | 'catching_up' | 'live' | 'failing' | 'stopped';

export interface RunnerStatus {
  name: string;
  version: number;
  state: RunnerState;
  checkpoint: Position | null;
  /** Age of the oldest event not yet applied, in seconds (0 when live). */
  lagSeconds: number;
  lastError: string | null;
  /** Events this projection could not apply and recorded as dead letters (it went on after them). */
  rejected: RejectionSummary;
}

export interface RunnerOptions {
  batchSize?: number;
  idlePollMs?: number | undefined;
  /** How long a live runner woken by an event waits for more before applying, unless a write waits for it. */
  coalesceMs?: number;
  table?: TableNames;
  /**
   * Called after each committed batch (read-your-writes waiters of this process look again at once). With
   * `notifyChannel` (a Postgres server) the batch's transaction also NOTIFYs it, for waiters in other processes.
   */
  onCommitted?: () => void;
  notifyChannel?: string;
}

/**
 * Events come in bursts (a remote command writes issued, dispatched and its outcome within a few ms): gathering
 * them makes one transaction of several, and on PGlite — which runs queries in the server's own thread — keeps
 * projection work from slipping in between the steps of the request that writes them. Nobody waits for it:
 * read-your-writes (`waitFor`) skips the delay.
 */
const DEFAULT_COALESCE_MS = 10;

/**
 * Applies one projection: reads pages of its events after the checkpoint and, per page, writes read-model rows
 * and the new checkpoint in one transaction — a crash mid-page repeats nothing and loses nothing. It pulls pages
 * (so a slow database never makes it buffer the log in memory) and, when caught up, waits for the next event
 * through a subscription.
 */
export class ProjectionRunner {
  private readonly checkpoint$ = new BehaviorSubject<Position | null>(null);
  /**
   * Everything at or before the horizon has been applied or does not concern this projection: the checkpoint,
   * or the head of the log seen just before a page that came back short.
   */
  private readonly horizon$ = new BehaviorSubject<Position | null>(null);
  private readonly nudge$ = new Subject<void>();
  /** Replays, so a loop that reaches a wait after stop() was called does not wait. */
  private readonly stop$ = new ReplaySubject<void>(1);
  private state: RunnerState = 'starting';
  /** Separate from `state`: a step in flight when stop() is called sets `state` again when it finishes. */
  private stopped = false;
  private lastError: string | null = null;
  private lagSeconds = 0;
  private rejected: RejectionSummary = NO_REJECTIONS;
  private running: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly coalesceMs: number;
  private readonly table: TableNames;
  private readonly onCommitted: () => void;
  private readonly notifyChannel: string | undefined;
  /** `waitFor` calls in progress: while there are any, the runner applies at once. */
  private waiting = 0;

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    readonly projection: Projection,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.idlePollMs = options.idlePollMs ?? 5000;
    this.coalesceMs = options.coalesceMs ?? projection.gatherMs ?? DEFAULT_COALESCE_MS;
    this.table = options.table ?? liveTables;
    this.onCommitted = options.onCommitted ?? (() => {});
    this.notifyChannel = options.notifyChannel;
  }

  /** The head of the log this runner has applied everything of (see `horizon$`). */
  get horizon(): Position | null {
    return this.horizon$.value;
  }

  /**
   * Someone waits for this runner (a read-your-writes wait over the database): apply without gathering more
   * events, and look at the log now. Returns the call that ends the hurry.
   */
  hurry(): () => void {
    this.waiting += 1;
    this.nudge$.next();
    let ended = false;
    return () => {
      if (!ended) this.waiting -= 1;
      ended = true;
    };
  }

  get checkpoint(): Position | null {
    return this.checkpoint$.value;
  }

  status(): RunnerStatus {
    return {
      name: this.projection.name,
      version: this.projection.version,
      state: this.state,
      checkpoint: this.checkpoint,
      lagSeconds: this.lagSeconds,
      lastError: this.lastError,
      rejected: this.rejected,
    };
  }

  async start(): Promise<void> {
    const saved = await readCheckpoint(this.knex, this.projection.name);
    this.rejected = await readRejectionSummary(this.knex, this.projection.name);
    this.checkpoint$.next(saved?.position ?? null);
    this.horizon$.next(saved?.position ?? null);
    this.running = this.loop();
  }

  /**
   * Resolves once everything up to `position` that concerns this projection is applied; false when `timeoutMs`
   * passed first. The runner is nudged to look at the head of the log, since events it does not handle never
   * wake it.
   */
  async waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (hasReached(this.horizon$.value, position)) return true;
    const reached = this.horizon$.pipe(
      filter((horizon) => hasReached(horizon, position)),
      map(() => true),
    );
    const timedOut = timer(timeoutMs).pipe(map(() => false));
    const nudges = interval(100)
      .pipe(takeUntil(race(reached, timedOut)))
      .subscribe(() => this.nudge$.next());
    this.waiting += 1;
    this.nudge$.next();
    try {
      return await firstValueFrom(race(reached, timedOut));
    } finally {
      this.waiting -= 1;
      nudges.unsubscribe();
    }
  }

  /** Applies everything up to the head of the log once and returns (used by rebuilds and tests). */
  async catchUp(): Promise<number> {
    let applied = 0;
    for (;;) {
      const { page } = await this.step();
      applied += page.length;
      if (page.length < this.batchSize) return applied;
    }
  }

  /**
   * Reads and applies one page; reading the head first lets a short page move the horizon past it: a read that
   * starts later sees everything an earlier one saw (on Postgres, es_read_horizon never falls behind).
   */
  private async step(): Promise<{ page: RecordedEvent[] }> {
    const head = await this.store.headPosition();
    const page = await this.readPage();
    if (page.length > 0) {
      this.lagSeconds = Math.max(0, (Date.now() - page[0]!.created.getTime()) / 1000);
      // Dropped (the checkpoint moved: a rebuild's swap): nothing of this page is applied, so the horizon stays
      // until a page read from the moved checkpoint is.
      if (!(await this.applyPage(page))) return { page };
    }
    const last = page.length > 0 ? page[page.length - 1]!.position : null;
    const horizon = page.length < this.batchSize ? maxPosition(last, head) : last;
    this.horizon$.next(maxPosition(this.horizon$.value, horizon));
    return { page };
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.isStopped()) {
      try {
        const { page } = await this.step();
        if (this.isStopped()) break;
        if (page.length === this.batchSize) {
          this.state = 'catching_up';
        } else {
          this.state = 'live';
          this.lagSeconds = 0;
          // A short page reached the head: wait at once. The wait's subscription starts with a read from the
          // checkpoint, so whatever arrived since is not missed — and another step (head + page) would only
          // repeat that read.
          await this.waitForNextEvent();
        }
        failures = 0;
        this.lastError = null;
      } catch (error) {
        if (this.isStopped()) return;
        failures += 1;
        this.state = 'failing';
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.error({ err: error, projection: this.projection.name, failures }, 'projection failed; retrying');
        await firstValueFrom(race(timer(Math.min(30_000, 100 * 2 ** failures)), this.stop$));
      }
    }
  }

  private readPage(): Promise<RecordedEvent[]> {
    return this.store.readAll({
      after: this.checkpoint,
      filter: { eventTypes: this.projection.eventTypes },
      maxCount: this.batchSize,
    });
  }

  /**
   * One page and its checkpoint in one transaction, under the projection's batch lock. The checkpoint is re-read
   * under the lock: when a rebuild swapped fresh tables in meanwhile, it moved, and this page is dropped — the
   * next one is read from the rebuilt position. A page that fails because of one of its events is applied again
   * event by event, and the events that cannot be applied are recorded as dead letters (poison-events.ts). True
   * when the page was applied, false when it was dropped.
   */
  private async applyPage(page: RecordedEvent[]): Promise<boolean> {
    const last = page[page.length - 1]!;
    const name = this.projection.name;
    const outcome = await withPoisonFallback((mode) => this.commitPage(page, mode), {
      scope: name,
      logger: this.logger,
    });
    this.onCommitted();
    if ('moved' in outcome) {
      this.logMoved(outcome.moved);
      this.rejected = await readRejectionSummary(this.knex, name);
      this.checkpoint$.next(outcome.moved);
      return false;
    }
    this.rejected = withRejections(this.rejected, outcome.rejected, new Date());
    this.checkpoint$.next(last.position);
    return true;
  }

  /**
   * A checkpoint behind ours can only come from a rebuild's swap (worth an operator's attention). One ahead is
   * usually another applier that held this projection's lease a moment ago, so it stays at debug level.
   */
  private logMoved(moved: Position | null): void {
    const fields = { projection: this.projection.name, checkpoint: moved, ours: this.checkpoint };
    if (this.checkpoint !== null && (moved === null || moved < this.checkpoint))
      this.logger.info(fields, 'checkpoint moved back (rebuilt); continuing from it');
    else this.logger.debug(fields, 'checkpoint moved ahead (another applier or a rebuild); continuing from it');
  }

  private commitPage(
    page: RecordedEvent[],
    mode: ApplyMode,
  ): Promise<{ moved: Position | null } | { rejected: Rejection[] }> {
    const last = page[page.length - 1]!;
    const name = this.projection.name;
    return this.knex.transaction(async (trx) => {
      await lockForAsyncCommitTransaction(trx, batchLockKey(name));
      const saved = await readCheckpoint(trx, name);
      if (saved && saved.version !== this.projection.version) {
        throw new StaleProjectionError(name, saved.version, this.projection.version);
      }
      const savedPosition = saved?.position ?? null;
      if (savedPosition !== this.checkpoint) return { moved: savedPosition };
      const rejected = await applyPageOrReject(trx, this.projection, page, this.table, mode, {
        scope: name,
        logger: this.logger,
      });
      const applied = page.length - rejected.length;
      await writeCheckpoint(trx, name, this.projection.version, last.position, applied, this.notifyChannel);
      return { rejected };
    });
  }

  private async waitForNextEvent(): Promise<void> {
    const next = this.store
      .subscribeToAll({ after: this.checkpoint, filter: { eventTypes: this.projection.eventTypes } })
      .pipe(
        take(1),
        map(() => 'event' as const),
      );
    const woken = await firstValueFrom(race(next, this.nudge$, timer(this.idlePollMs), this.stop$), {
      defaultValue: undefined,
    });
    if (woken === 'event' && this.coalesceMs > 0 && this.waiting === 0) {
      await firstValueFrom(race(timer(this.coalesceMs), this.nudge$, this.stop$), { defaultValue: undefined });
    }
  }

  private isStopped(): boolean {
    return this.stopped;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.state = 'stopped';
    this.stop$.next();
    // The loop logs and retries its own failures; stopping only waits for it to end.
    await this.running?.catch(() => {});
    this.state = 'stopped';
  }
}
