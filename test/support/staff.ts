import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { AccountCommands } from '../../src/commands/accounts/account-commands.ts';
import { EmailClaims } from '../../src/commands/accounts/email-claims.ts';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { StaffRoles } from '../../src/commands/accounts/staff-roles.ts';
import { CompensationFailures } from '../../src/commands/compensation-failures.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { createLogger } from '../../src/logger.ts';
import { operatorContext } from '../../src/cli/admin-command.ts';
import { HttpClient } from './http.ts';
import type { TestServer } from './test-server.ts';

export const STAFF_PASSWORD = 'staff horse battery';

export interface TestStaff {
  id: string;
  email: string;
  http: HttpClient;
  access: string;
}

/**
 * A staff member, made as the operator's CLI makes one (`StaffRoles.createStaff` with an operator actor) over the
 * running server's own event store — the CLI itself cannot open a PGlite directory the server holds — then signed
 * in through the API, whose access token then says staff.
 */
export async function makeStaff(
  server: Pick<TestServer, 'stores' | 'url'>,
  label = 'staff',
  /** An existing account to make staff (its password signs in); a new one by default. */
  existing?: { email: string; password: string },
): Promise<TestStaff> {
  const handler = new EventSourcedCommandHandler(server.stores.eventStore, eventCatalogue);
  const logger = createLogger('silent');
  const grace = { graceMs: 30_000, clock: () => new Date() };
  const accounts = new AccountCommands(
    handler,
    new PasswordHasher(4),
    grace,
    new CompensationFailures(logger),
    new EmailClaims(handler, server.stores.claimStreams),
  );
  const email = existing?.email ?? `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const password = existing?.password ?? STAFF_PASSWORD;
  await new StaffRoles(handler, accounts).createStaff({ email, password, name: label }, operatorContext());
  const login = await new HttpClient(server.url).post('/api/auth/login', { email, password });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return {
    id: login.body.user.id,
    email,
    http: new HttpClient(server.url, login.body.access),
    access: login.body.access,
  };
}

/** What `admin revoke-staff --email` does, over the running server's event store. */
export async function revokeStaffRole(server: TestServer, email: string): Promise<void> {
  const handler = new EventSourcedCommandHandler(server.stores.eventStore, eventCatalogue);
  const accounts = new AccountCommands(
    handler,
    new PasswordHasher(4),
    { graceMs: 30_000, clock: () => new Date() },
    new CompensationFailures(createLogger('silent')),
    new EmailClaims(handler, server.stores.claimStreams),
  );
  await new StaffRoles(handler, accounts).revokeStaff(email, operatorContext());
}
