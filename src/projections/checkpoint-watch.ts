import type { Knex } from 'knex';
import { firstValueFrom, fromEvent, NEVER, race, Subject, timer, type Subscription } from 'rxjs';
import type { DatabaseTarget } from '../database/connect.ts';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { hasReached } from '../eventstore/position.ts';
import { NotificationListener } from '../eventstore/postgres/notification-listener.ts';
import type { Logger } from '../logger.ts';
import { CHECKPOINTS_TABLE } from './checkpoints.ts';
import type { Projection } from './projection.ts';
import { SharedRead } from '../eventstore/shared-read.ts';

/** The channel an applier NOTIFYs (payload: the projection's name) when a batch and its checkpoint committed. */
export const CHECKPOINT_NOTIFY_CHANNEL = 'projection_checkpoints';

/** `position` is not in the visible log yet (an older transaction holds the read horizon): scan again next time. */
const NOT_VISIBLE_YET = Symbol('not visible yet');

export interface CheckpointWatchOptions {
  /** The first re-read after a miss; each further miss doubles it, up to `maxPollMs`. */
  firstPollMs?: number;
  /** The fallback poll's longest interval (a lost notification costs at most this much). */
  maxPollMs?: number;
}

/**
 * Read-your-writes against the database, whichever process applies the projection: a waiter re-reads the
 * checkpoint rows when an applier says it committed (NOTIFY on a Postgres server, a local call from a runner in
 * this process) and otherwise on a short growing interval. Every waiter of the process shares each read.
 */
export class CheckpointWatch {
  private readonly wake$ = new Subject<void>();
  private readonly checkpoints: SharedRead<Map<string, Position | null>>;
  private readonly head: SharedRead<Position | null>;
  private listener: NotificationListener | null = null;
  private notifications: Subscription | null = null;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    knex: Knex,
    private readonly target: DatabaseTarget | undefined,
    private readonly logger: Logger,
    private readonly options: CheckpointWatchOptions = {},
  ) {
    this.checkpoints = new SharedRead(async () => {
      const rows = await knex(CHECKPOINTS_TABLE).select<Array<{ name: string; position: Position | null }>>(
        'name',
        'position',
      );
      return new Map(rows.map((row) => [row.name, row.position]));
    });
    this.head = new SharedRead(() => store.headPosition());
  }

  /** On a Postgres server: LISTEN for other processes' commits (the fallback poll covers a lost connection). */
  async start(): Promise<void> {
    if (this.target?.kind !== 'postgres') return;
    this.listener = new NotificationListener(this.target.url, (error) =>
      this.logger.debug({ err: error }, 'checkpoint notifications: connection problem; polling meanwhile'),
    );
    await this.listener.start();
    this.notifications = this.listener.notifications(CHECKPOINT_NOTIFY_CHANNEL).subscribe(() => this.wake$.next());
  }

  /** A runner of this process committed a batch: waiters look again at once. */
  committed(): void {
    this.wake$.next();
  }

  /**
   * Resolves true once `projection`'s checkpoint in the database covers `position`: it is at or past it, or no
   * event the projection handles lies between the checkpoint and `position`. False when `timeoutMs` passed first
   * or `signal` aborted.
   */
  async waitFor(projection: Projection, position: Position, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let pollMs = this.options.firstPollMs ?? 5;
    // The checkpoint must reach at least this before a scan of the log after it is worth repeating.
    let mustReach: Position | null = null;
    const aborted = signal ? fromEvent(signal, 'abort') : NEVER;
    for (;;) {
      if (signal?.aborted || this.stopped) return false;
      const checkpoint = (await this.checkpoints.get()).get(projection.name) ?? null;
      if (hasReached(checkpoint, position)) return true;
      if (mustReach === null || hasReached(checkpoint, mustReach)) {
        const pending = await this.firstPending(projection, checkpoint, position);
        if (pending === null) return true;
        mustReach = pending === NOT_VISIBLE_YET ? null : pending;
      }
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await firstValueFrom(race(this.wake$, timer(Math.min(pollMs, left)), aborted), { defaultValue: undefined });
      pollMs = Math.min(this.options.maxPollMs ?? 250, pollMs * 2);
    }
  }

  /**
   * The first event after `checkpoint` the projection handles, when it is at or before `position` (null: none,
   * so the checkpoint covers `position`). The log's visible part is a prefix of its final order that only grows, so
   * a scan that starts after the head was seen at or past `position` sees every event up to it. The head is read
   * only when the first scan found nothing, and then the scan is repeated: an older append that committed between
   * that scan and the head read moved the head past events the scan could not see (`position` among them).
   */
  private async firstPending(
    projection: Projection,
    checkpoint: Position | null,
    position: Position,
  ): Promise<Position | null | typeof NOT_VISIBLE_YET> {
    let next = await this.firstAfter(projection, checkpoint);
    if (!next) {
      // Nothing visible yet: `position` itself may still be behind an older transaction's horizon.
      if (!hasReached(await this.head.get(), position)) return NOT_VISIBLE_YET;
      next = await this.firstAfter(projection, checkpoint);
    }
    return next && hasReached(position, next.position) ? next.position : null;
  }

  private async firstAfter(projection: Projection, checkpoint: Position | null): Promise<RecordedEvent | undefined> {
    const [next] = await this.store.readAll({
      after: checkpoint,
      filter: { eventTypes: projection.eventTypes },
      maxCount: 1,
    });
    return next;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake$.next();
    this.notifications?.unsubscribe();
    await this.listener?.close();
  }
}
