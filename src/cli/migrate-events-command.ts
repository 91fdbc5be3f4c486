import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { copyLog, type CopyProgress } from '../eventstore/copy-log.ts';
import type { EventStore } from '../eventstore/port.ts';
import { createLogger } from '../logger.ts';
import { openEventStoreUrl } from './event-store-url.ts';

export interface MigrateEventsOptions {
  from: string;
  to: string;
  /** Where progress goes; a TTY gets a progress bar, anything else plain lines. */
  output?: NodeJS.WriteStream | NodeJS.WritableStream;
  logLevel?: string;
  /** Seconds between plain progress lines. */
  lineIntervalS?: number;
}

/**
 * `migrate-events --from URL --to URL`: copies the whole log between stores (see src/eventstore/copy-log.ts).
 * Safe to run again after an interruption: what is already there is recognised by event id.
 */
export async function migrateEvents(options: MigrateEventsOptions): Promise<CopyProgress> {
  if (options.from === options.to) throw new MigrateEventsError('--from and --to name the same store');
  const output = options.output ?? process.stderr;
  const logger = createLogger(options.logLevel ?? 'warn');
  const source = await openEventStoreUrl(options.from, logger, 'migrate-events (source)');
  try {
    const destination = await openEventStoreUrl(options.to, logger, 'migrate-events (destination)');
    try {
      const total = (await source.count()) ?? (await countByReading(source.store));
      output.write(`Copying ${total} events from ${source.label} to ${destination.label}\n`);
      const reporter = progressReporter(output, total, options.lineIntervalS ?? 5);
      const started = performance.now();
      let result: CopyProgress;
      try {
        result = await copyLog(source.store, destination.store, {
          onProgress: (progress) => reporter.update(progress.done),
        });
      } finally {
        reporter.stop();
      }
      const seconds = (performance.now() - started) / 1000;
      output.write(
        `Done: ${result.done} events copied or already present in ${seconds.toFixed(1)} s ` +
          `(${Math.round(result.done / Math.max(seconds, 0.001))} events/s)\n`,
      );
      return result;
    } finally {
      await destination.close();
    }
  } finally {
    await source.close();
  }
}

export class MigrateEventsError extends Error {
  override readonly name = 'MigrateEventsError';
}

/** EventStoreDB cannot count `$all` cheaply: read it once, pages of 4096 (the copy reads it again). */
export async function countByReading(store: EventStore): Promise<number> {
  let count = 0;
  let after: string | null = null;
  for (;;) {
    const page = await store.readAll({ after, maxCount: 4096 });
    count += page.length;
    if (page.length < 4096) return count;
    after = page[page.length - 1]!.position;
  }
}

export interface ProgressReporter {
  update(done: number): void;
  stop(): void;
}

/** A progress bar on a terminal (`interactive`, by default when `output` is one), else plain lines. */
export function progressReporter(
  output: NodeJS.WritableStream,
  total: number,
  lineIntervalS: number,
  interactive = Boolean((output as NodeJS.WriteStream).isTTY),
): ProgressReporter {
  if (interactive) {
    const bar = new cliProgress.SingleBar(
      {
        stream: output,
        format: ' {bar} {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}',
        etaBuffer: 50,
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = performance.now();
    bar.start(total, 0, { speed: 0 });
    return {
      update(done) {
        bar.update(done, { speed: Math.round(done / Math.max((performance.now() - started) / 1000, 0.001)) });
      },
      stop: () => bar.stop(),
    };
  }
  const started = performance.now();
  let lastLine = started;
  return {
    update(done) {
      const now = performance.now();
      if (now - lastLine < lineIntervalS * 1000 && done < total) return;
      lastLine = now;
      const seconds = (now - started) / 1000;
      const rate = done / Math.max(seconds, 0.001);
      const eta = rate > 0 && total > done ? ` ETA ${Math.ceil((total - done) / rate)} s` : '';
      output.write(`${done}/${total} events (${Math.round(rate)} events/s)${eta}\n`);
    },
    stop() {},
  };
}

export function registerMigrateEventsCommand(program: Command): void {
  program
    .command('migrate-events')
    .description(
      'Copy the whole event log between stores in global order, keeping event ids, types, data, metadata and stream ' +
        'revisions; re-running is a no-op. URL: pglite:<DATA_DIR> (or a directory path), postgres://…, esdb://…',
    )
    .requiredOption('--from <url>', 'source event store')
    .requiredOption('--to <url>', 'destination event store')
    .action(async (options: { from: string; to: string }) => {
      await migrateEvents({ from: options.from, to: options.to, logLevel: process.env.LOG_LEVEL ?? 'warn' });
    });
}
