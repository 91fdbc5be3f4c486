import { Command } from 'commander';
import { registerAdminCommand } from './admin-command.ts';
import { registerAuditCommand } from './audit-command.ts';
import { registerMigrateCommand } from './migrate-command.ts';
import { registerMigrateEventsCommand } from './migrate-events-command.ts';
import { registerResealEventsCommand } from './reseal-events-command.ts';
import { registerProjectionsCommand } from './projections-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { registerSimulateCommand } from './simulate-command.ts';
import { EXIT_OPERATOR_ERROR, operatorErrorLine } from './startup-failure.ts';

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
registerResealEventsCommand(program);
registerSimulateCommand(program);
registerAdminCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Expected operator mistakes (configuration, an unreachable store, a busy port) get one line, not a stack trace.
  const line = operatorErrorLine(error);
  if (line === null) throw error;
  process.stderr.write(`smarthome-cloud: ${line}\n`);
  process.exit(EXIT_OPERATOR_ERROR);
}
