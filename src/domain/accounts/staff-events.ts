import { z } from 'zod';
import { definitionsOf, type EventDefinition, type EventOf } from '../event-catalogue.ts';

const id = z.string().uuid();
/** Why a staff member acted: required on every staff action, so an auditor never meets an unexplained one. */
export const staffReason = z.string().trim().min(3).max(500);

/**
 * Staff administration on the user's own stream (`user-<id>`). The staff role is given and taken only by an
 * operator from the CLI (actor kind `operator`); deactivation and reactivation are staff actions (actor kind
 * `staff`, the staff member's id) with a reason.
 */
export const staffEventSchemas = {
  StaffRoleGranted: z.object({ user_id: id }).strict(),
  StaffRoleRevoked: z.object({ user_id: id }).strict(),
  /** Every token family of the user dies with it (the user's credentials version moves on). */
  UserDeactivated: z.object({ user_id: id, reason: staffReason }).strict(),
  UserReactivated: z.object({ user_id: id, reason: staffReason }).strict(),
};

export type StaffEvent = EventOf<typeof staffEventSchemas>;

export const staffEventDefinitions: EventDefinition[] = definitionsOf(staffEventSchemas, 'user account');
