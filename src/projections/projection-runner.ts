import type { Knex } from 'knex';
import { BehaviorSubject, filter, firstValueFrom, race, take, timer, Subject, map } from 'rxjs';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { hasReached } from '../eventstore/position.ts';
import type { Logger } from '../logger.ts';
import { readCheckpoint, writeCheckpoint } from './checkpoints.ts';
import { liveTables, type Projection, type TableNames } from './projection.ts';

export type RunnerState = 'starting' | 'catching_up' | 'live' | 'failing' | 'stopped';

export interface RunnerStatus {
  name: string;
  version: number;
  state: RunnerState;
  checkpoint: Position | null;
  /** Age of the oldest event not yet applied, in seconds (0 when live). */
  lagSeconds: number;
  lastError: string | null;
}

export interface RunnerOptions {
  batchSize?: number;
  idlePollMs?: number;
  table?: TableNames;
}

/**
 * Applies one projection: reads pages of its events after the checkpoint and, per page, writes read-model rows
 * and the new checkpoint in one transaction — a crash mid-page repeats nothing and loses nothing. It pulls pages
 * (so a slow database never makes it buffer the log in memory) and, when caught up, waits for the next event
 * through a subscription.
 */
export class ProjectionRunner {
  private readonly checkpoint$ = new BehaviorSubject<Position | null>(null);
  private readonly stop$ = new Subject<void>();
  private state: RunnerState = 'starting';
  private lastError: string | null = null;
  private lagSeconds = 0;
  private running: Promise<void> | null = null;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private readonly table: TableNames;

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    readonly projection: Projection,
    private readonly logger: Logger,
    options: RunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 500;
    this.idlePollMs = options.idlePollMs ?? 5000;
    this.table = options.table ?? liveTables;
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
    };
  }

  async start(): Promise<void> {
    const saved = await readCheckpoint(this.knex, this.projection.name);
    this.checkpoint$.next(saved?.position ?? null);
    this.running = this.loop();
  }

  /** Resolves once the checkpoint is at or past `position`; false when `timeoutMs` passed first. */
  async waitFor(position: Position, timeoutMs: number): Promise<boolean> {
    if (hasReached(this.checkpoint, position)) return true;
    return firstValueFrom(
      race(
        this.checkpoint$.pipe(
          filter((checkpoint) => hasReached(checkpoint, position)),
          map(() => true),
        ),
        timer(timeoutMs).pipe(map(() => false)),
      ),
    );
  }

  /** Applies everything up to the head of the log once and returns (used by rebuilds and tests). */
  async catchUp(): Promise<number> {
    let applied = 0;
    for (;;) {
      const page = await this.readPage();
      if (page.length === 0) return applied;
      await this.applyPage(page);
      applied += page.length;
    }
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (this.state !== 'stopped') {
      try {
        const page = await this.readPage();
        if (page.length > 0) {
          this.state = page.length === this.batchSize ? 'catching_up' : this.state === 'starting' ? 'live' : this.state;
          this.lagSeconds = Math.max(0, (Date.now() - page[0]!.created.getTime()) / 1000);
          await this.applyPage(page);
        } else {
          this.state = 'live';
          this.lagSeconds = 0;
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

  private async applyPage(page: RecordedEvent[]): Promise<void> {
    const last = page[page.length - 1]!;
    await this.knex.transaction(async (trx) => {
      for (const event of page) await this.projection.apply(trx, event, this.table);
      await writeCheckpoint(trx, this.projection.name, this.projection.version, last.position, page.length);
    });
    this.checkpoint$.next(last.position);
  }

  private async waitForNextEvent(): Promise<void> {
    const next = this.store
      .subscribeToAll({ after: this.checkpoint, filter: { eventTypes: this.projection.eventTypes } })
      .pipe(take(1));
    await firstValueFrom(race(next, timer(this.idlePollMs), this.stop$), { defaultValue: undefined });
  }

  private isStopped(): boolean {
    return this.state === 'stopped';
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    this.stop$.next();
    await this.running?.catch(() => {});
  }
}
