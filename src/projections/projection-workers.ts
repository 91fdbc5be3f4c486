import type { Knex } from 'knex';
import { firstValueFrom, ReplaySubject, timer, race } from 'rxjs';
import type { DatabaseTarget } from '../database/connect.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { SessionLock, SessionLockConnection, workerLockKey } from './advisory-locks.ts';
import { CHECKPOINT_NOTIFY_CHANNEL } from './checkpoint-watch.ts';
import type { Projection } from './projection.ts';
import { ProjectionRunner, type RunnerStatus } from './projection-runner.ts';
import { NO_REJECTIONS } from './rejected-events.ts';

export interface ProjectionWorkersOptions {
  /** How often a waiting worker tries the lock again (and a running one checks it still holds it). */
  lockRetryMs?: number;
  runnerIdlePollMs?: number;
  /** After each committed batch of any runner here (read-your-writes waiters of this process look again). */
  onCommitted?: () => void;
  /** Who this process is (the node id): named on its lock connection, so others can see who applies what. */
  holder?: string | undefined;
}

export type WorkerStatus = RunnerStatus & { holdsLock: boolean };

/**
 * Who applies each projection (`serve` and `projections run` alike): on a Postgres server, a projection's runner
 * only runs while this process holds that projection's worker lock (pg_try_advisory_lock on a dedicated
 * connection, the lease); the other processes stand by and take over when the holder stops or dies — its
 * connection ends, and the lock with it. On PGlite the DATA_DIR lock already makes this process the only one, so
 * every runner runs. Runners on a Postgres server NOTIFY each committed batch (checkpoint-watch.ts), so
 * read-your-writes waiters on other processes wake.
 */
export class ProjectionWorkers {
  private readonly stop$ = new ReplaySubject<void>(1);
  private readonly loops: Promise<void>[] = [];
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly locks = new Map<string, SessionLock>();
  /** Every worker lock of this process on one connection (Postgres server only). */
  private lockConnection: SessionLockConnection | null = null;
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    private readonly target: DatabaseTarget,
    readonly projections: readonly Projection[],
    private readonly logger: Logger,
    private readonly options: ProjectionWorkersOptions = {},
  ) {}

  start(): void {
    for (const projection of this.projections) this.loops.push(this.work(projection));
  }

  status(): WorkerStatus[] {
    return this.projections.map((projection) => {
      const runner = this.runners.get(projection.name);
      const base: RunnerStatus = runner?.status() ?? {
        name: projection.name,
        version: projection.version,
        state: 'starting',
        checkpoint: null,
        lagSeconds: 0,
        lastError: null,
        rejected: NO_REJECTIONS,
      };
      return { ...base, holdsLock: runner !== undefined };
    });
  }

  /** The runner applying `name` in this process, if this process holds its lease now. */
  runnerOf(name: string): ProjectionRunner | undefined {
    return this.runners.get(name);
  }

  private newRunner(projection: Projection): ProjectionRunner {
    return new ProjectionRunner(this.store, this.knex, projection, this.logger, {
      idlePollMs: this.options.runnerIdlePollMs,
      ...(this.options.onCommitted ? { onCommitted: this.options.onCommitted } : {}),
      ...(this.target.kind === 'postgres' ? { notifyChannel: CHECKPOINT_NOTIFY_CHANNEL } : {}),
    });
  }

  private async work(projection: Projection): Promise<void> {
    const retryMs = this.options.lockRetryMs ?? 2000;
    if (this.target.kind !== 'postgres') {
      const runner = this.newRunner(projection);
      this.runners.set(projection.name, runner);
      await runner.start();
      return;
    }
    this.lockConnection ??= new SessionLockConnection(this.target.url, this.options.holder);
    const lock = new SessionLock(this.lockConnection, workerLockKey(projection.name));
    this.locks.set(projection.name, lock);
    let waitingLogged = false;
    while (!this.stopped) {
      let acquired = false;
      try {
        acquired = await lock.tryAcquire();
      } catch (error) {
        this.logger.warn({ err: error, projection: projection.name }, 'could not try the worker lock; retrying');
        await lock.release();
      }
      if (acquired && !this.stopped) {
        this.logger.info({ projection: projection.name }, 'worker lock acquired; applying');
        waitingLogged = false;
        const runner = this.newRunner(projection);
        this.runners.set(projection.name, runner);
        await runner.start();
        while (!this.stopped && lock.held) await this.pause(retryMs);
        await runner.stop();
        this.runners.delete(projection.name);
        if (!this.stopped) this.logger.warn({ projection: projection.name }, 'worker lock lost; waiting for it again');
        await lock.release();
        // Lost while this process lived (its connection broke): a standby that is healthy takes it first; this
        // process tries again after two of its rounds (alone, it takes the lease back then).
        if (!this.stopped) await this.pause(retryMs * 2);
      } else {
        if (!waitingLogged)
          this.logger.info({ projection: projection.name }, 'another worker holds this projection; waiting');
        waitingLogged = true;
        await this.pause(retryMs);
      }
    }
  }

  private async pause(ms: number): Promise<void> {
    await firstValueFrom(race(timer(ms), this.stop$));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stop$.next();
    await Promise.all(this.loops);
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    await Promise.all([...this.locks.values()].map((lock) => lock.release()));
    await this.lockConnection?.close();
  }
}
