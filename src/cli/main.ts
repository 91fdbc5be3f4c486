import { Command } from 'commander';
import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../database/data-dir-lock.ts';
import { StaleProjectionError } from '../projections/stale-projection-error.ts';
import { CliUsageError, registerAuditCommand } from './audit-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { MigrateEventsError, registerMigrateEventsCommand } from './migrate-events-command.ts';
import { registerProjectionsCommand } from './projections-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSimulateCommand, SimulateError } from './simulate-command.ts';

const program = new Command()
  .name('smarthome-cloud')
  .description(
    'Smart Home Cloud: event-sourced backend for offline-first smart homes. Configuration comes from environment variables (see README).',
  )
  .showHelpAfterError();

registerServeCommand(program);
registerMigrateCommand(program);
registerProjectionsCommand(program);
registerAuditCommand(program);
registerMigrateEventsCommand(program);
registerSimulateCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected operator mistakes get one clear line, not a stack trace.
  if (
    error instanceof ConfigError ||
    error instanceof DataDirLockedError ||
    error instanceof MigrateEventsError ||
    error instanceof SimulateError ||
    error instanceof StaleProjectionError ||
    error instanceof CliUsageError
  ) {
    process.stderr.write(`smarthome-cloud: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
