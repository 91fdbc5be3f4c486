import type { Knex } from 'knex';
import type { EventStore, Position } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { readCheckpoint } from './checkpoints.ts';
import { migrateReadModels } from './migrations.ts';
import { rebuildProjection } from './rebuild.ts';
import { StaleProjectionError } from './stale-projection-error.ts';
import type { Projection } from './projection.ts';
import type { DatabaseTarget } from '../database/connect.ts';
import { hasReached } from '../eventstore/position.ts';
import { CheckpointWatch, type CheckpointWatchOptions } from './checkpoint-watch.ts';
import { ProjectionWorkers, type WorkerStatus } from './projection-workers.ts';

export interface ProjectionSetOptions {
  /** Where the read models live: on a Postgres server, leases decide which process applies each projection. */
  target?: DatabaseTarget;
  /** False: this process applies nothing (`serve --no-projections`); it waits on the checkpoints others write. */
  apply?: boolean;
  lockRetryMs?: number;
  /** This process's node id, named on its lease connection (who applies what, for the admin API). */
  holder?: string;
  watch?: CheckpointWatchOptions;
}

/**
 * All projections of one process: migrations, the appliers (a runner per projection whose lease this process
 * holds, projection-workers.ts), and read-your-writes waiting — on the checkpoints in the database, so a write
 * waits the same way whichever process applies.
 */
export class ProjectionSet {
  private readonly workers: ProjectionWorkers | null;
  private readonly watch: CheckpointWatch;

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    readonly projections: readonly Projection[],
    private readonly logger: Logger,
    options: ProjectionSetOptions = {},
  ) {
    const target = options.target ?? { kind: 'pglite', dataDir: null };
    this.watch = new CheckpointWatch(store, knex, options.target, logger, options.watch);
    this.workers =
      options.apply === false
        ? null
        : new ProjectionWorkers(store, knex, target, projections, logger, {
            onCommitted: () => this.watch.committed(),
            ...(options.lockRetryMs === undefined ? {} : { lockRetryMs: options.lockRetryMs }),
            holder: options.holder,
          });
  }

  async migrate(): Promise<string[]> {
    return migrateReadModels(this.knex, this.projections);
  }

  /**
   * Refuses tables built by another version of a projection's handler (StaleProjectionError names the command to
   * run), or rebuilds them blue/green first when `autoRebuild` (AUTO_REBUILD=1).
   */
  async ensureCurrent(autoRebuild: boolean): Promise<void> {
    for (const projection of this.projections) {
      const saved = await readCheckpoint(this.knex, projection.name);
      if (!saved || saved.version === projection.version) continue;
      const stale = new StaleProjectionError(projection.name, saved.version, projection.version);
      if (!autoRebuild) throw stale;
      this.logger.warn(
        { projection: projection.name, from: saved.version, to: projection.version },
        'AUTO_REBUILD: rebuilding a stale projection',
      );
      const result = await rebuildProjection(this.store, this.knex, projection, { logger: this.logger });
      this.logger.info({ ...result }, 'projection rebuilt');
    }
  }

  async start(): Promise<void> {
    await this.watch.start();
    this.workers?.start();
  }

  async stop(): Promise<void> {
    await this.workers?.stop();
    await this.watch.stop();
  }

  /** The runners of this process: every projection, with whether this process applies it (holds its lease). */
  status(): WorkerStatus[] {
    return this.workers?.status() ?? [];
  }

  /** Whether this process applies `name` now. */
  applies(name: string): boolean {
    return this.workers?.runnerOf(name) !== undefined;
  }

  /**
   * Read-your-writes: waits until every projection that handles one of `eventTypes` has applied `position`.
   * Returns false when `timeoutMs` ran out first (the caller answers anyway; the read model will follow).
   */
  async waitFor(position: Position | null, eventTypes: readonly string[], timeoutMs: number): Promise<boolean> {
    if (position === null) return true;
    const affected = this.projections.filter(
      (projection) =>
        projection.settlesWrites !== false && projection.eventTypes.some((type) => eventTypes.includes(type)),
    );
    const results = await Promise.all(affected.map((projection) => this.waitOn(projection, position, timeoutMs)));
    return results.every(Boolean);
  }

  /**
   * Read-time consistency for projections that writes do not wait for: resolves once `name` has applied
   * everything in the log when called (false when `timeoutMs` ran out first; the caller answers anyway).
   */
  async waitForHead(name: string, timeoutMs: number): Promise<boolean> {
    const projection = this.named(name);
    const head = await this.store.headPosition();
    return head === null ? true : this.waitOn(projection, head, timeoutMs);
  }

  /**
   * Resolves once projection `name` has applied `position` — at once, without a read, when a runner of this process
   * is past it (false when `timeoutMs` ran out first).
   */
  waitForProjection(name: string, position: Position, timeoutMs: number): Promise<boolean> {
    return this.waitOn(this.named(name), position, timeoutMs);
  }

  private named(name: string): Projection {
    const projection = this.projections.find((candidate) => candidate.name === name);
    if (!projection) throw new Error(`No projection named ${name}`);
    return projection;
  }

  /**
   * One projection's checkpoint in the database. A runner of this process that already passed `position` answers
   * without a read; one that applies it is hurried (no gathering of more events while someone waits).
   */
  private async waitOn(projection: Projection, position: Position, timeoutMs: number): Promise<boolean> {
    const local = this.workers?.runnerOf(projection.name);
    if (local && hasReached(local.horizon, position)) return true;
    const endHurry = local?.hurry();
    try {
      return await this.watch.waitFor(projection, position, timeoutMs);
    } finally {
      endHurry?.();
    }
  }
}
