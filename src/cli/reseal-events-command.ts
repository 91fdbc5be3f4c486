import type { Command } from 'commander';
import { PersonalDataSealer } from '../commands/personal-data-sealer.ts';
import { resealLog, type ResealProgress } from '../commands/privacy/reseal-log.ts';
import { loadConfig, type Config } from '../config.ts';
import { cliLogger, processIo, withStores, type CliIo } from './cli-context.ts';
import { openEventStoreUrl } from './event-store-url.ts';
import { countByReading, MigrateEventsError, progressReporter } from './migrate-events-command.ts';

/**
 * `reseal-events --from URL`: copies an existing log into the (empty) event store this configuration names
 * (EVENT_STORE_URL, else DATA_DIR), with every personal value sealed under the data keys of this configuration's
 * key store and DATA_KEY_SECRET, e-mail claim streams under their keyed names and the hash chains linked again
 * (src/commands/privacy/reseal-log.ts). The old log is only read.
 */
export async function resealEvents(
  config: Config,
  options: { from: string; lineIntervalS?: number },
  io: CliIo,
): Promise<ResealProgress> {
  const logger = cliLogger(config);
  return withStores(config, 'reseal-events (destination)', logger, async (stores) => {
    const destination = stores.sealedEventStore;
    if ((await destination.readAll({ maxCount: 1 })).length > 0) {
      throw new MigrateEventsError(
        'reseal-events writes into an empty event store: the one this configuration names (EVENT_STORE_URL, else ' +
          'DATA_DIR) already holds events. Point it at a new store, keeping DATABASE_URL (the data keys) and DATA_KEY_SECRET',
      );
    }
    const source = await openEventStoreUrl(options.from, logger, 'reseal-events (source)');
    try {
      const total = (await source.count()) ?? (await countByReading(source.store));
      io.err.write(`Resealing ${total} events from ${source.label} into this configuration's event store\n`);
      const reporter = progressReporter(io.err, total, options.lineIntervalS ?? 5, io.interactive);
      let result: ResealProgress;
      try {
        const tools = {
          sealer: new PersonalDataSealer(stores.dataKeys),
          keys: stores.dataKeys,
          claimStreams: stores.claimStreams,
        };
        result = await resealLog(source.store, destination, tools, {
          onProgress: (progress) => reporter.update(progress.done),
        });
      } finally {
        reporter.stop();
      }
      io.err.write(
        `Done: ${result.done} events copied, ${result.sealed} of them sealed now, ` +
          `${result.renamedClaimStreams} e-mail claim streams renamed to keyed names.\n` +
          `The old log (${source.label}) was only read and is left untouched: it still holds the personal data in ` +
          `the clear. Delete it (and its backups) once the server runs on the new store.\n`,
      );
      return result;
    } finally {
      await source.close();
    }
  });
}

export function registerResealEventsCommand(program: Command): void {
  program
    .command('reseal-events')
    .description(
      'Copy an existing event log into the empty event store of this configuration with every personal value ' +
        'sealed under its data key, e-mail claim streams keyed and hash chains linked again; the old log is only read. ' +
        'URL: pglite:<DATA_DIR> (or a directory path), postgres://…, esdb://…',
    )
    .requiredOption('--from <url>', 'the existing event store (left untouched)')
    .action(async (options: { from: string }) => {
      await resealEvents(loadConfig(), { from: options.from }, processIo());
    });
}
