import type { Knex } from 'knex';
import type { EventStore, Position } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { readCheckpoint } from './checkpoints.ts';
import { migrateReadModels } from './migrations.ts';
import { rebuildProjection } from './rebuild.ts';
import { StaleProjectionError } from './stale-projection-error.ts';
import type { Projection } from './projection.ts';
import { ProjectionRunner, type RunnerStatus } from './projection-runner.ts';

/** All projections of one process: migrations, runners, and read-your-writes waiting. */
export class ProjectionSet {
  private readonly runners: ProjectionRunner[];

  constructor(
    private readonly store: EventStore,
    private readonly knex: Knex,
    readonly projections: readonly Projection[],
    private readonly logger: Logger,
  ) {
    this.runners = projections.map((projection) => new ProjectionRunner(store, knex, projection, logger));
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
    await Promise.all(this.runners.map((runner) => runner.start()));
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  status(): RunnerStatus[] {
    return this.runners.map((runner) => runner.status());
  }

  /**
   * Read-your-writes: waits until every projection that handles one of `eventTypes` has applied `position`.
   * Returns false when `timeoutMs` ran out first (the caller answers anyway; the read model will follow).
   */
  async waitFor(position: Position | null, eventTypes: readonly string[], timeoutMs: number): Promise<boolean> {
    if (position === null) return true;
    const affected = this.runners.filter(
      (runner) =>
        runner.projection.settlesWrites !== false &&
        runner.projection.eventTypes.some((type) => eventTypes.includes(type)),
    );
    const results = await Promise.all(affected.map((runner) => runner.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }

  /**
   * Read-time consistency for projections that writes do not wait for: resolves once `name` has applied
   * everything in the log when called (false when `timeoutMs` ran out first; the caller answers anyway).
   */
  async waitForHead(name: string, timeoutMs: number): Promise<boolean> {
    const runner = this.runners.find((candidate) => candidate.projection.name === name);
    if (!runner) throw new Error(`No projection named ${name}`);
    const head = await this.store.headPosition();
    return head === null ? true : runner.waitFor(head, timeoutMs);
  }
}
