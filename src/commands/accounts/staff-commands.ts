import { userStream } from '../../domain/accounts/email.ts';
import { staffAdministrationDecider } from '../../domain/accounts/staff-administration.ts';
import { userDecider } from '../../domain/accounts/user.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { GatewayCommands } from '../gateways/gateway-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { writeResultOf, type WriteResult } from '../write-result.ts';

/** Where a user stands, from their own stream (never a read model). */
export interface Standing {
  registered: boolean;
  staff: boolean;
  deactivated: boolean;
}

/**
 * Staff actions: the acting staff member's standing is read from their own stream right before, the event carries
 * their id as actor (kind `staff`) and the reason they gave. Staff have no role inside homes from this.
 */
export class StaffCommands {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly gateways: GatewayCommands,
  ) {}

  async standing(userId: string): Promise<Standing> {
    const { state } = await this.handler.load(userDecider, userStream(userId));
    return { registered: state.registered, staff: state.staff, deactivated: state.deactivated };
  }

  /** Staff in good standing: has the role and is not deactivated. */
  async isActiveStaff(userId: string): Promise<boolean> {
    const standing = await this.standing(userId);
    return standing.staff && !standing.deactivated;
  }

  async deactivate(staffId: string, userId: string, reason: string, context: CommandContext): Promise<WriteResult> {
    const actorIsStaff = await this.isActiveStaff(staffId);
    const command = { type: 'Deactivate' as const, reason, actorId: staffId, actorIsStaff };
    return writeResultOf(await this.handler.execute(staffAdministrationDecider, userStream(userId), command, context));
  }

  async reactivate(staffId: string, userId: string, reason: string, context: CommandContext): Promise<WriteResult> {
    const actorIsStaff = await this.isActiveStaff(staffId);
    const command = { type: 'Reactivate' as const, reason, actorId: staffId, actorIsStaff };
    return writeResultOf(await this.handler.execute(staffAdministrationDecider, userStream(userId), command, context));
  }

  async revokeGateway(staffId: string, gatewayId: string, reason: string, context: CommandContext) {
    const actorIsStaff = await this.isActiveStaff(staffId);
    return this.gateways.revokeAsStaff(gatewayId, { actorIsStaff, reason }, context);
  }
}
