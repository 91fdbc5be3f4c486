import type { Knex } from 'knex';
import type { EventStore, Position } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { migrateReadModels } from './migrations.ts';
import type { Projection } from './projection.ts';
import { ProjectionRunner, type RunnerStatus } from './projection-runner.ts';

/** All projections of one process: migrations, runners, and read-your-writes waiting. */
export class ProjectionSet {
  private readonly runners: ProjectionRunner[];

  constructor(
    store: EventStore,
    private readonly knex: Knex,
    readonly projections: readonly Projection[],
    logger: Logger,
  ) {
    this.runners = projections.map((projection) => new ProjectionRunner(store, knex, projection, logger));
  }

  async migrate(): Promise<string[]> {
    return migrateReadModels(this.knex, this.projections);
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
    const affected = this.runners.filter((runner) =>
      runner.projection.eventTypes.some((type) => eventTypes.includes(type)),
    );
    const results = await Promise.all(affected.map((runner) => runner.waitFor(position, timeoutMs)));
    return results.every(Boolean);
  }
}
