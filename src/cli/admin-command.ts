import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { AccountCommands } from '../commands/accounts/account-commands.ts';
import { EmailClaims } from '../commands/accounts/email-claims.ts';
import { PasswordHasher } from '../commands/accounts/password-hasher.ts';
import { StaffRoles } from '../commands/accounts/staff-roles.ts';
import { CompensationFailures } from '../commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from '../commands/event-sourced-command-handler.ts';
import { PersonalDataSealer } from '../commands/personal-data-sealer.ts';
import type { CommandContext } from '../commands/metadata.ts';
import { loadConfig, type Config } from '../config.ts';
import { eventCatalogue } from '../domain/catalogue.ts';
import { normaliseEmail } from '../domain/accounts/email.ts';
import type { Stores } from '../stores.ts';
import { CliUsageError } from './audit-command.ts';
import { cliLogger, processIo, withStores, type CliIo } from './cli-context.ts';

const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_BYTES = 1024;

/** The operator at this machine: recorded as the actor of the role's events (the login name, never a secret). */
export function operatorContext(): CommandContext {
  const id = randomUUID();
  return {
    actor: { kind: 'operator', id: os.userInfo().username },
    correlationId: id,
    causationId: id,
    clientAddress: os.hostname(),
    userAgent: 'smarthome-cloud cli',
    now: new Date(),
  };
}

function staffRoles(config: Config, stores: Stores): StaffRoles {
  // Sealed like the server's writes: a staff user registered here keeps no plaintext e-mail in the log.
  const handler = new EventSourcedCommandHandler(
    stores.eventStore,
    eventCatalogue,
    undefined,
    new PersonalDataSealer(stores.dataKeys),
  );
  const grace = { graceMs: config.ABANDONED_CLAIM_GRACE_MS, clock: () => new Date() };
  const compensations = new CompensationFailures(cliLogger(config));
  const accounts = new AccountCommands(
    handler,
    new PasswordHasher(config.SCRYPT_LOG_N),
    grace,
    compensations,
    new EmailClaims(handler, stores.claimStreams),
    config.REFRESH_TOKEN_REUSE,
  );
  return new StaffRoles(handler, accounts);
}

/** The first line of standard input (a password is never an argument: it would show in `ps` and shell history). */
export async function readPasswordLine(input: Readable): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n') || text.length > MAX_PASSWORD_BYTES * 4) break;
  }
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliUsageError('The password must be at least 8 characters');
  if (Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) throw new CliUsageError('The password is too long');
  return password;
}

function emailOf(value: string): string {
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value) || value.length > 254)
    throw new CliUsageError(`Not an e-mail address: ${value}`);
  return normaliseEmail(value);
}

export async function createStaff(
  config: Config,
  options: { email: string; name: string; password: string },
  io: CliIo,
): Promise<string> {
  const email = emailOf(options.email);
  return withStores(config, 'admin create-staff', cliLogger(config), async (stores) => {
    const grant = await staffRoles(config, stores).createStaff(
      { email, password: options.password, name: options.name },
      operatorContext(),
    );
    io.out.write(
      grant.created
        ? `Created staff user ${email} (${grant.userId})\n`
        : `${email} (${grant.userId}) is staff (an existing user: their password is unchanged)\n`,
    );
    return grant.userId;
  });
}

export async function revokeStaff(config: Config, options: { email: string }, io: CliIo): Promise<string> {
  const email = emailOf(options.email);
  return withStores(config, 'admin revoke-staff', cliLogger(config), async (stores) => {
    const { userId, write } = await staffRoles(config, stores).revokeStaff(email, operatorContext());
    io.out.write(
      write.position === null ? `${email} (${userId}) was not staff\n` : `${email} (${userId}) is no longer staff\n`,
    );
    return userId;
  });
}

export function registerAdminCommand(program: Command): void {
  const admin = program
    .command('admin')
    .description('Operators: the staff role (who may use the admin API and console at /admin/)');
  admin
    .command('create-staff')
    .description('Create a staff user, or make an existing user staff')
    .requiredOption('--email <email>', "the staff member's e-mail address")
    .option('--name <name>', 'display name of a new user', 'Staff')
    .requiredOption('--password-stdin', "read a new user's password from the first line of standard input")
    .action(async (options: { email: string; name: string }) => {
      const password = await readPasswordLine(process.stdin);
      await createStaff(loadConfig(), { ...options, password }, processIo());
    });
  admin
    .command('revoke-staff')
    .description('Take the staff role away (the user stays; tokens already issued lose admin access at once)')
    .requiredOption('--email <email>', "the staff member's e-mail address")
    .action(async (options: { email: string }) => {
      await revokeStaff(loadConfig(), options, processIo());
    });
}
