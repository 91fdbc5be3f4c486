import { randomUUID } from 'node:crypto';
import type { DataKeys } from '../eventstore/personal-data/data-key-store.ts';
import type { StaffCommands } from '../commands/accounts/staff-commands.ts';
import { systemContext, type CommandContext } from '../commands/metadata.ts';
import type { ProjectionRebuildCommands } from '../commands/projections/projection-rebuild-commands.ts';
import type { WriteResult } from '../commands/write-result.ts';
import type { Database } from '../database/connect.ts';
import { conflict, notFound } from '../domain/errors.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import type { Projection } from '../projections/projection.ts';
import { rebuildProjection, type RebuildProgress } from '../projections/rebuild.ts';
import { RebuildLeases, type RebuildLease } from '../projections/rebuild-lease.ts';
import { RebuildQueries } from '../projections/queries/rebuild-queries.ts';

/** A progress event at most this often per rebuild (and only when it moved): the log never floods. */
export const DEFAULT_REBUILD_PROGRESS_INTERVAL_MS = 1000;

export interface AdminRebuildsParts {
  store: EventStore;
  readModels: Database;
  /** Opens the sealed reasons the rebuild records keep. */
  dataKeys: DataKeys;
  projections: readonly Projection[];
  records: ProjectionRebuildCommands;
  staff: StaffCommands;
  nodeId: string;
  logger: Logger;
  settle(write: WriteResult): Promise<boolean>;
  progressIntervalMs?: number | undefined;
  /** Rebuild page size (tests use small pages to see progress). */
  batchSize?: number | undefined;
}

/**
 * Rebuilds started from the admin API: the same blue/green `rebuildProjection` as `projections rebuild`, run in the
 * background of this node under the projection's rebuild lease (one at a time across nodes and the CLI; a dead
 * node's lease dies with its connection), recorded as events on `projection_rebuild-<id>` with the staff member as
 * actor: started, progressed (bounded rate), completed or failed. The live runner keeps applying meanwhile; the
 * swap takes the batch lock it takes (rebuild.ts), whichever node holds the projection's worker lease.
 */
export class AdminRebuilds {
  readonly views: RebuildQueries;
  readonly leases: RebuildLeases;
  private readonly running = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private stopping = false;

  constructor(private readonly parts: AdminRebuildsParts) {
    this.views = new RebuildQueries(parts.readModels.knex, parts.dataKeys);
    this.leases = new RebuildLeases(parts.readModels.target, parts.readModels.knex);
  }

  /** Starts a rebuild; answers once `ProjectionRebuildStarted` is written. 409 while one runs, 404 for no such name. */
  async start(staffId: string, name: string, reason: string, context: CommandContext) {
    const projection = this.parts.projections.find((p) => p.name === name);
    if (!projection) throw notFound('projection_not_found', 'No such projection');
    const actorIsStaff = await this.parts.staff.isActiveStaff(staffId);
    const lease = await this.leases.tryTake(name);
    if (!lease) throw conflict('rebuild_running', `A rebuild of ${name} is running already`);
    const rebuildId = randomUUID();
    try {
      await this.abandonLeftovers(name);
      const command = { type: 'Start' as const, rebuildId, projection: name, reason, nodeId: this.parts.nodeId };
      const write = await this.parts.records.record(rebuildId, { ...command, actorIsStaff }, context);
      this.launch(rebuildId, projection, lease, context);
      return { rebuildId, write };
    } catch (error) {
      await lease.release();
      throw error;
    }
  }

  /** Holding the lease, any rebuild still recorded as running lost its node: recorded failed (`abandoned`). */
  private async abandonLeftovers(name: string): Promise<void> {
    for (const row of await this.views.unfinished(name)) {
      const context = systemContext('projection-rebuild', { nodeId: this.parts.nodeId, correlationId: row.rebuild_id });
      await this.parts.records.record(row.rebuild_id, { type: 'Abandon' }, context);
    }
  }

  private launch(rebuildId: string, projection: Projection, lease: RebuildLease, context: CommandContext): void {
    const abort = new AbortController();
    const done = this.run(rebuildId, projection, abort.signal, context)
      .catch((error: unknown) =>
        this.parts.logger.error({ err: error, rebuild_id: rebuildId }, 'rebuild record failed'),
      )
      .finally(async () => {
        await lease.release().catch(() => {});
        this.running.delete(rebuildId);
      });
    this.running.set(rebuildId, { abort, done });
  }

  private async run(rebuildId: string, projection: Projection, signal: AbortSignal, context: CommandContext) {
    const record = (command: Parameters<ProjectionRebuildCommands['record']>[1]) =>
      this.parts.records.record(rebuildId, command, { ...context, now: new Date() });
    const progress = this.progressRecorder(record);
    let end: WriteResult;
    try {
      const result = await rebuildProjection(this.parts.store, this.parts.readModels.knex, projection, {
        signal,
        logger: this.parts.logger,
        batchSize: this.parts.batchSize,
        onProgress: progress.report,
      });
      await progress.flushed();
      const { applied, rejected, position, seconds } = result;
      end = await record({ type: 'Complete', applied, rejected, position, seconds });
      this.parts.logger.info({ rebuild_id: rebuildId, projection: projection.name, applied }, 'rebuild completed');
    } catch (error) {
      await progress.flushed();
      this.parts.logger.warn({ err: error, rebuild_id: rebuildId, projection: projection.name }, 'rebuild failed');
      end = await record({ type: 'Fail', error: (error as Error).message });
    }
    // The lease goes only once the read model shows the end, so "running without a lease" means a dead node.
    if (!this.stopping) await this.parts.settle(end);
  }

  /** Progress events at a bounded rate, one after another (never two appends racing on the stream). */
  private progressRecorder(
    record: (command: { type: 'RecordProgress'; done: number; total: number | null }) => Promise<unknown>,
  ) {
    const interval = this.parts.progressIntervalMs ?? DEFAULT_REBUILD_PROGRESS_INTERVAL_MS;
    let last = Date.now();
    let chain: Promise<unknown> = Promise.resolve();
    return {
      report: (p: RebuildProgress) => {
        const now = Date.now();
        if (p.done === 0 || now - last < interval) return;
        last = now;
        chain = chain.then(() => record({ type: 'RecordProgress', done: p.done, total: p.total })).catch(() => {});
      },
      flushed: () => chain,
    };
  }

  /** Shutdown: running rebuilds stop between pages and are recorded failed; their fresh tables are dropped. */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.running.values()];
    for (const run of all) run.abort.abort();
    await Promise.all(all.map((run) => run.done));
  }
}
