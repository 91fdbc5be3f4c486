import type { Command } from 'commander';
import { startServer } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run the API, the gateway bridge and the projections in one process')
    .option(
      '--no-projections',
      'apply no projection here (run `projections run` beside it); writes still wait for their read models',
    )
    .action(async (options: { projections: boolean }) => {
      const config = loadConfig();
      const logger = createLogger(config.LOG_LEVEL);
      const server = await startServer(config, logger, { applyProjections: options.projections });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        const forced = setTimeout(() => {
          logger.error('shutdown took longer than 20 s; exiting');
          process.exit(1);
        }, 20_000);
        forced.unref();
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
