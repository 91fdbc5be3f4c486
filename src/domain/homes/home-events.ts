import { z } from 'zod';
import { definitionsOf, type EventDefinition } from '../event-catalogue.ts';
import type { EventOf } from '../event-of.ts';
import { homeNameProblem } from './home-name.ts';
import type { ErasureEvent } from '../privacy/erasure-events.ts';
import { GRANTABLE_ROLES } from './roles.ts';

const id = z.string().uuid();
const grantableRole = z.enum(GRANTABLE_ROLES);
const homeName = z.string().superRefine((value, ctx) => {
  const problem = homeNameProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** Events of `home-<id>`: the home, who may use it, and its one active gateway. */
export const homeEventSchemas = {
  /** The creator is the home's one owner. `name`: absent on homes created before homes had names (read as "Home"). */
  HomeCreated: z.object({ home_id: id, owner_id: id, name: homeName.optional() }).strict(),
  /** Renamed by its owner or an admin. */
  HomeRenamed: z.object({ home_id: id, name: homeName, previous_name: homeName, renamed_by: id }).strict(),
  PermissionGranted: z.object({ home_id: id, user_id: id, role: grantableRole, granted_by: id }).strict(),
  PermissionRoleChanged: z
    .object({ home_id: id, user_id: id, role: grantableRole, previous_role: grantableRole, changed_by: id })
    .strict(),
  PermissionRevoked: z.object({ home_id: id, user_id: id, previous_role: grantableRole, revoked_by: id }).strict(),
  /** The owner handed the home to a member, who becomes the owner; the previous owner stays as an admin. */
  HomeOwnershipTransferred: z
    .object({ home_id: id, previous_owner_id: id, new_owner_id: id, new_owner_previous_role: grantableRole })
    .strict(),
  /**
   * The owner deleted the home: nobody has access any more, and a `PersonalDataErased` follows in the same append
   * (the home's key and its gateways' keys: names typed into it). Its gateway was revoked before.
   */
  HomeDeleted: z.object({ home_id: id, deleted_by: id }).strict(),
  /**
   * The home's active-gateway slot is taken. Decided on the home stream, so two concurrent provisions for one
   * home race on its revision and only one wins.
   */
  HomeGatewayAttached: z.object({ home_id: id, gateway_id: id }).strict(),
  HomeGatewayDetached: z
    .object({
      home_id: id,
      gateway_id: id,
      reason: z.enum(['revoked', 'deleted', 'provisioning_failed', 'holder_never_written']),
    })
    .strict(),
};

export type HomeEventType = keyof typeof homeEventSchemas;
/** The home stream's events; a deletion ends it with `PersonalDataErased` (domain/privacy). */
export type HomeEvent = EventOf<typeof homeEventSchemas> | ErasureEvent;

export const homeEventDefinitions: EventDefinition[] = definitionsOf(homeEventSchemas, 'home and its permissions');

export const homeStream = (homeId: string) => `home-${homeId}`;
