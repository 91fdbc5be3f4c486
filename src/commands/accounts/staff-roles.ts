import { userStream } from '../../domain/accounts/email.ts';
import { staffAdministrationDecider } from '../../domain/accounts/staff-administration.ts';
import { notFound } from '../../domain/errors.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { CommandContext } from '../metadata.ts';
import { combineWrites, writeResultOf, type WriteResult } from '../write-result.ts';
import type { AccountCommands } from './account-commands.ts';

export interface StaffGrant {
  userId: string;
  /** A new user was registered for the address (otherwise an existing one became staff). */
  created: boolean;
  write: WriteResult;
}

/**
 * The staff role, given and taken by an operator from the CLI (actor kind `operator`), never from the API:
 * recorded on the user's own stream.
 */
export class StaffRoles {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly accounts: AccountCommands,
  ) {}

  /** Makes the address's user staff, registering one (with this password) when the address is free. */
  async createStaff(
    input: { email: string; password: string; name: string },
    context: CommandContext,
  ): Promise<StaffGrant> {
    const existing = await this.ownerOf(input.email);
    if (existing !== null) return { userId: existing, created: false, write: await this.grant(existing, context) };
    const registration = await this.accounts.register(input, context);
    const granted = await this.grant(registration.userId, context);
    return { userId: registration.userId, created: true, write: combineWrites(registration.write, granted) };
  }

  async revokeStaff(email: string, context: CommandContext): Promise<{ userId: string; write: WriteResult }> {
    const userId = await this.ownerOf(email);
    if (userId === null) throw notFound('user_not_found', 'No user has this e-mail address');
    const result = await this.handler.execute(
      staffAdministrationDecider,
      userStream(userId),
      { type: 'RevokeStaff' },
      context,
    );
    return { userId, write: writeResultOf(result) };
  }

  private async grant(userId: string, context: CommandContext): Promise<WriteResult> {
    const result = await this.handler.execute(
      staffAdministrationDecider,
      userStream(userId),
      { type: 'GrantStaff' },
      context,
    );
    return writeResultOf(result);
  }

  private async ownerOf(email: string): Promise<string | null> {
    return this.accounts.emailOwner(email);
  }
}
