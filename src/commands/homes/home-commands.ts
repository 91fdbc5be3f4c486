import { homeDecider, roleIn, type HomeCommand, type HomeState } from '../../domain/homes/home.ts';
import { homeStream } from '../../domain/homes/home-events.ts';
import type { GrantableRole, Role } from '../../domain/homes/roles.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import { writeResultOf, type WriteResult } from '../write-result.ts';
import type { CommandContext } from '../metadata.ts';

export interface PermissionChange {
  /** `granted`: a new member; `changed`: a new role; `unchanged`: nothing to record. */
  outcome: 'granted' | 'changed' | 'unchanged';
  write: WriteResult;
}

/**
 * Home membership use cases. Every decision is taken on the home stream (optimistic concurrency: two concurrent
 * grants both land, one after a retry), never on the memberships read model.
 */
export class HomeCommands {
  constructor(private readonly handler: EventSourcedCommandHandler) {}

  async load(homeId: string): Promise<HomeState> {
    return (await this.handler.load(homeDecider, homeStream(homeId))).state;
  }

  /** The caller's role, read from the home stream (for write decisions on other streams). */
  async roleOf(homeId: string, userId: string): Promise<Role | null> {
    return roleIn(await this.load(homeId), userId);
  }

  async grant(
    homeId: string,
    actorId: string,
    userId: string,
    role: GrantableRole,
    context: CommandContext,
  ): Promise<PermissionChange> {
    const result = await this.handler.execute(
      homeDecider,
      homeStream(homeId),
      { type: 'Grant', actorId, userId, role },
      context,
    );
    const first = result.events[0]?.type;
    const outcome =
      first === 'PermissionGranted' ? 'granted' : first === 'PermissionRoleChanged' ? 'changed' : 'unchanged';
    return { outcome, write: writeResultOf(result) };
  }

  async changeRole(
    homeId: string,
    actorId: string,
    userId: string,
    role: GrantableRole,
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.decide(homeId, { type: 'ChangeRole', actorId, userId, role }, context);
  }

  /** Owner or admin; the same name again records nothing. */
  async rename(homeId: string, actorId: string, name: string, context: CommandContext): Promise<WriteResult> {
    return this.decide(homeId, { type: 'Rename', actorId, name }, context);
  }

  async revoke(homeId: string, actorId: string, userId: string, context: CommandContext): Promise<WriteResult> {
    return this.decide(homeId, { type: 'Revoke', actorId, userId }, context);
  }

  /** A member leaves the home (the owner cannot: 409 `owner_cannot_leave`, transfer ownership first). */
  async leave(homeId: string, userId: string, context: CommandContext): Promise<WriteResult> {
    return this.decide(homeId, { type: 'Revoke', actorId: userId, userId }, context);
  }

  /** The owner hands the home to another member and stays on as an admin. */
  async transferOwnership(
    homeId: string,
    actorId: string,
    userId: string,
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.decide(homeId, { type: 'TransferOwnership', actorId, userId }, context);
  }

  /** Any home command, decided on the home stream (the gateway slot's attach and detach come through here too). */
  async decide(homeId: string, command: HomeCommand, context: CommandContext): Promise<WriteResult> {
    return writeResultOf(await this.handler.execute(homeDecider, homeStream(homeId), command, context));
  }
}
