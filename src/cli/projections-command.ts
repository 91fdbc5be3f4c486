import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../config.ts';
import { allProjections } from '../projections/all-projections.ts';
import type { Projection } from '../projections/projection.ts';
import { ProjectionSet } from '../projections/projection-set.ts';
import { projectionStatus, type ProjectionStatus } from '../projections/projection-status.ts';
import type { RejectionSummary } from '../projections/rejected-events.ts';
import { describeDifference, verifyProjection } from '../projections/projection-verify.ts';
import { ProjectionWorkers } from '../projections/projection-workers.ts';
import {
  RebuildAbortedError,
  rebuildProjection,
  type RebuildProgress,
  type RebuildResult,
} from '../projections/rebuild.ts';
import { RebuildLeases } from '../projections/rebuild-lease.ts';
import { CliUsageError } from './audit-command.ts';
import type { Stores } from '../stores.ts';
import { cliLogger, processIo, withStores, type CliIo } from './cli-context.ts';

function pick(names: readonly string[], all: boolean, projections: readonly Projection[]): Projection[] {
  if (all) return [...projections];
  if (names.length === 0)
    throw new CliUsageError(
      `Name projections to rebuild, or --all (known: ${projections.map((p) => p.name).join(', ')})`,
    );
  return names.map((name) => {
    const projection = projections.find((p) => p.name === name);
    if (!projection)
      throw new CliUsageError(`No projection named ${name} (known: ${projections.map((p) => p.name).join(', ')})`);
    return projection;
  });
}

async function migrate(stores: Stores, config: Config, projections: readonly Projection[]) {
  await new ProjectionSet(stores.eventStore, stores.readModels.knex, projections, cliLogger(config)).migrate();
}

/** `projections list`: one line per projection. Returns the statuses. */
export async function projectionsList(
  config: Config,
  io: CliIo,
  projections: readonly Projection[] = allProjections,
): Promise<ProjectionStatus[]> {
  return withStores(config, 'projections list', cliLogger(config), async (stores) => {
    await migrate(stores, config, projections);
    const statuses: ProjectionStatus[] = [];
    for (const projection of projections)
      statuses.push(await projectionStatus(stores.eventStore, stores.readModels.knex, projection));
    const rows = [
      ['NAME', 'VERSION', 'CHECKPOINT', 'LAG (events)', 'LAG (s)', 'STATE', 'REJECTED'],
      ...statuses.map((s) => [
        s.name,
        s.tablesVersion === null || s.tablesVersion === s.version
          ? String(s.version)
          : `${s.tablesVersion} (code: ${s.version})`,
        s.checkpoint ?? '-',
        `${s.lagCapped ? '≥' : ''}${s.lagEvents}`,
        s.lagSeconds.toFixed(1),
        s.state,
        String(s.rejected.count),
      ]),
    ];
    const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
    for (const row of rows)
      io.out.write(
        `${row
          .map((cell, column) => cell.padEnd(widths[column]!))
          .join('  ')
          .trimEnd()}\n`,
      );
    for (const s of statuses) if (s.rejected.count > 0) io.out.write(`${describeRejections(s.name, s.rejected)}\n`);
    return statuses;
  });
}

/** One line for an operator: how many events a projection rejected, and the latest (never the event's data). */
function describeRejections(name: string, rejected: RejectionSummary): string {
  const latest = rejected.latest;
  const where = latest ? `; latest at ${latest.position} (${latest.eventType}): ${latest.error}` : '';
  return `REJECTED ${name}: ${rejected.count} event(s) could not be applied and were skipped${where}`;
}

/** Progress on a terminal: a bar with done/total, events/s and ETA; otherwise a plain line at most every second. */
function progressReporter(io: CliIo) {
  let bar: cliProgress.SingleBar | null = null;
  let lastLine = 0;
  let started = Date.now();
  return {
    start() {
      started = Date.now();
      lastLine = 0;
    },
    update(progress: RebuildProgress) {
      const seconds = Math.max(0.001, (Date.now() - started) / 1000);
      const rate = Math.round(progress.done / seconds);
      if (io.interactive) {
        if (!bar) {
          bar = new cliProgress.SingleBar(
            {
              format: `${progress.projection} [{bar}] {value}/{total} events | {rate} events/s | ETA {eta_formatted}`,
              stream: io.err as NodeJS.WriteStream,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(progress.total ?? progress.done, progress.done, { rate });
        }
        bar.setTotal(progress.total ?? progress.done);
        bar.update(progress.done, { rate });
        return;
      }
      const now = Date.now();
      if (progress.done === 0 || now - lastLine >= 1000 || progress.done === progress.total) {
        lastLine = now;
        io.err.write(
          `rebuild ${progress.projection}: ${progress.done}/${progress.total ?? '?'} events, ${rate} events/s\n`,
        );
      }
    },
    stop() {
      bar?.stop();
      bar = null;
    },
  };
}

/**
 * `projections rebuild NAME… | --all`: blue/green, one after the other. Ctrl-C (or `signal`) stops between pages
 * and drops the fresh tables; the live ones are never touched until the swap.
 */
export async function projectionsRebuild(
  config: Config,
  names: readonly string[],
  options: { all?: boolean | undefined; signal?: AbortSignal | undefined; batchSize?: number | undefined },
  io: CliIo,
  projections: readonly Projection[] = allProjections,
): Promise<RebuildResult[]> {
  const chosen = pick(names, options.all ?? false, projections);
  return withStores(config, 'projections rebuild', cliLogger(config), async (stores) => {
    await migrate(stores, config, projections);
    const results: RebuildResult[] = [];
    const leases = new RebuildLeases(stores.readModels.target, stores.readModels.knex);
    for (const projection of chosen) {
      // The same lease as a rebuild started from the admin API: one rebuild of a projection at a time.
      const lease = await leases.tryTake(projection.name);
      if (!lease) throw new CliUsageError(`A rebuild of ${projection.name} is running already (admin API or CLI)`);
      const progress = progressReporter(io);
      progress.start();
      try {
        const result = await rebuildProjection(stores.eventStore, stores.readModels.knex, projection, {
          signal: options.signal,
          logger: cliLogger(config),
          batchSize: options.batchSize,
          onProgress: (p) => progress.update(p),
        });
        progress.stop();
        io.out.write(
          `Rebuilt ${projection.name} v${projection.version}: ${result.applied} events in ${result.seconds.toFixed(1)} s ` +
            `(${Math.round(result.applied / Math.max(result.seconds, 0.001))} events/s), swapped in at ${result.position ?? 'the start'}\n`,
        );
        if (result.rejected > 0) {
          io.out.write(
            `REJECTED ${projection.name}: ${result.rejected} event(s) could not be applied; see \`projections list\`\n`,
          );
        }
        results.push(result);
      } finally {
        progress.stop();
        await lease.release();
      }
    }
    return results;
  });
}

/**
 * `projections verify`: replays every projection into scratch tables and compares row for row. Exit code 1 when
 * rows differ, or when a projection rejected events (dead letters): its tables agree with a replay, yet they lack
 * what those events would have written.
 */
export async function projectionsVerify(
  config: Config,
  io: CliIo,
  projections: readonly Projection[] = allProjections,
): Promise<number> {
  return withStores(config, 'projections verify', cliLogger(config), async (stores) => {
    await migrate(stores, config, projections);
    let failed = 0;
    for (const projection of projections) {
      const result = await verifyProjection(stores.eventStore, stores.readModels.knex, projection);
      const lag = await projectionStatus(stores.eventStore, stores.readModels.knex, projection);
      const behind =
        lag.lagEvents > 0 ? ` (${lag.lagCapped ? '≥' : ''}${lag.lagEvents} events after it not applied yet)` : '';
      if (result.differences.length === 0 && result.rejected.count === 0 && result.rejectionMismatches.length === 0) {
        io.out.write(
          `OK ${projection.name}: replay reproduces the live tables (checkpoint ${result.checkpoint ?? 'none'})${behind}\n`,
        );
        continue;
      }
      failed += 1;
      if (result.differences.length > 0) {
        io.out.write(
          `DIFFERENT ${projection.name}: ${result.differences.length} rows differ from a replay of the log\n`,
        );
        for (const difference of result.differences) io.out.write(`  ${describeDifference(difference)}\n`);
      }
      if (result.rejected.count > 0) io.out.write(`${describeRejections(projection.name, result.rejected)}${behind}\n`);
      for (const mismatch of result.rejectionMismatches) {
        io.out.write(
          `  event at ${mismatch.position} was rejected by the ${mismatch.rejectedBy === 'live' ? 'live projection only' : 'replay only'}\n`,
        );
      }
    }
    return failed === 0 ? 0 : 1;
  });
}

export function registerProjectionsCommand(program: Command): void {
  const projections = program
    .command('projections')
    .description('Operators: read-model projections (status, blue/green rebuild, workers, replay check)');
  projections
    .command('list')
    .description(
      'Name, version, checkpoint, lag (events and seconds behind), state and rejected (dead-letter) events of every projection',
    )
    .action(async () => {
      await projectionsList(loadConfig(), processIo());
    });
  projections
    .command('rebuild')
    .description('Rebuild from the start of the log into fresh tables, then swap them in (readers keep being served)')
    .argument('[names...]', 'projections to rebuild')
    .option('--all', 'rebuild every projection')
    .action(async (names: string[], options: { all?: boolean }) => {
      const abort = new AbortController();
      const interrupt = () => abort.abort();
      process.once('SIGINT', interrupt);
      process.once('SIGTERM', interrupt);
      try {
        await projectionsRebuild(loadConfig(), names, { all: options.all, signal: abort.signal }, processIo());
      } catch (error) {
        if (!(error instanceof RebuildAbortedError)) throw error;
        process.stderr.write(`${error.message}: the live tables are unchanged; run the rebuild again to start over\n`);
        process.exitCode = 130;
      }
    });
  projections
    .command('run')
    .description('Run the projection workers alone (one worker per projection across processes on a Postgres server)')
    .action(async () => {
      const config = loadConfig();
      const logger = cliLogger(config);
      await withStores(config, 'projections run', logger, async (stores) => {
        const set = new ProjectionSet(stores.eventStore, stores.readModels.knex, allProjections, logger);
        await set.migrate();
        await set.ensureCurrent(config.AUTO_REBUILD);
        const workers = new ProjectionWorkers(
          stores.eventStore,
          stores.readModels.knex,
          stores.readModels.target,
          allProjections,
          logger,
        );
        workers.start();
        process.stderr.write(
          `Projection workers running (${allProjections.map((p) => p.name).join(', ')}); Ctrl-C to stop\n`,
        );
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await workers.stop();
      });
    });
  projections
    .command('verify')
    .description(
      'Replay every projection into scratch tables and compare them row for row with the live ones; exit 1 on differences or rejected events',
    )
    .action(async () => {
      process.exitCode = await projectionsVerify(loadConfig(), processIo());
    });
}
