import type { Decider } from '../decider.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { staffReason } from './staff-events.ts';
import { userDecider, type UserEvent, type UserState } from './user.ts';

/**
 * What staff administration decides on a user's stream. The role is given and taken by an operator (CLI only);
 * deactivation and reactivation are staff actions, each with a reason. The state and its folding are the user
 * decider's (one stream, one state).
 */
export type StaffCommand =
  | { type: 'GrantStaff' }
  | { type: 'RevokeStaff' }
  /** `actorIsStaff`: the acting staff member's standing, read from their own stream just before. */
  | { type: 'Deactivate'; reason: string; actorId: string; actorIsStaff: boolean }
  | { type: 'Reactivate'; reason: string; actorId: string; actorIsStaff: boolean };

export const staffAdministrationDecider: Decider<StaffCommand, UserEvent, UserState> = {
  initialState: userDecider.initialState,
  evolve: userDecider.evolve,

  decide(command, state) {
    if (!state.registered || state.userId === null) throw notFound('user_not_found', 'No such user');
    const userId = state.userId;
    switch (command.type) {
      case 'GrantStaff':
        return state.staff ? [] : [{ type: 'StaffRoleGranted', data: { user_id: userId } }];
      case 'RevokeStaff':
        return state.staff ? [{ type: 'StaffRoleRevoked', data: { user_id: userId } }] : [];
      case 'Deactivate': {
        const reason = requireStaffAction(command, userId);
        if (state.deactivated) return [];
        return [{ type: 'UserDeactivated', data: { user_id: userId, reason } }];
      }
      case 'Reactivate': {
        const reason = requireStaffAction(command, userId);
        if (!state.deactivated) return [];
        return [{ type: 'UserReactivated', data: { user_id: userId, reason } }];
      }
    }
  },
};

/** A staff action needs a staff actor, a reason, and never targets the actor (nobody locks themselves out). */
function requireStaffAction(command: { reason: string; actorId: string; actorIsStaff: boolean }, userId: string) {
  if (!command.actorIsStaff) throw forbidden('staff_only', 'Only staff may do this');
  if (command.actorId === userId) throw conflict('own_account', 'Staff cannot deactivate or reactivate themselves');
  const reason = staffReason.safeParse(command.reason);
  if (!reason.success) throw invalid('reason_required', 'Give a reason (3 to 500 characters)', { field: 'reason' });
  return reason.data;
}
