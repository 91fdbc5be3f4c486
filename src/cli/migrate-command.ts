import type { Command } from 'commander';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { allProjections } from '../projections/all-projections.ts';
import { ProjectionSet } from '../projections/projection-set.ts';
import { openStores } from '../stores.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('Create or update the event store schema and the read-model tables, then exit')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.LOG_LEVEL);
      const stores = await openStores(config, logger, 'migrate');
      try {
        const applied = await new ProjectionSet(
          stores.eventStore,
          stores.readModels.knex,
          allProjections,
          logger,
        ).migrate();
        process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'Read models are up to date\n');
      } finally {
        await stores.close();
      }
    });
}
