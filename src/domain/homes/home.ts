import type { Decider } from '../decider.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { dataKeyIdOf } from '../privacy/erasure-events.ts';
import type { HomeEvent } from './home-events.ts';
import { DEFAULT_HOME_NAME, homeNameProblem } from './home-name.ts';
import { canManage, requirePermission, type GrantableRole, type Role } from './roles.ts';

export interface Membership {
  role: Role;
  grantedBy: string;
}

export interface HomeState {
  homeId: string | null;
  ownerId: string | null;
  /** DEFAULT_HOME_NAME for homes created without one. */
  name: string;
  members: Readonly<Record<string, Membership>>;
  activeGatewayId: string | null;
  /** Every gateway that ever held the slot: their names are the home's free text, shredded with it. */
  gatewayIds: readonly string[];
  /** Deleted by its owner: nobody has a role, every command is told the home does not exist. */
  deleted: boolean;
  /** Who deleted it: their retry of the deletion is answered as done (the one who just deleted it is not told 404). */
  deletedBy: string | null;
  /** The data keys its erasure names: a retried deletion destroys them again (idempotent), after a crash too. */
  erasedKeyIds: readonly string[];
}

/** Why a slot was freed; `holder_never_written`: its gateway's provisioning died before writing it. */
export type DetachReason = 'revoked' | 'deleted' | 'provisioning_failed' | 'holder_never_written';

export type HomeCommand =
  /**
   * Takes the home's active-gateway slot; creates the home (caller as owner, named `homeName` or the default) when
   * it does not exist yet. The name of an existing home is left alone.
   */
  | { type: 'AttachGateway'; homeId: string; actorId: string; gatewayId: string; homeName?: string }
  | { type: 'Rename'; actorId: string; name: string }
  /** Frees the slot after the gateway was revoked or deleted (or its provisioning failed). */
  | { type: 'DetachGateway'; gatewayId: string; reason: DetachReason }
  | { type: 'Grant'; actorId: string; userId: string; role: GrantableRole }
  | { type: 'ChangeRole'; actorId: string; userId: string; role: GrantableRole }
  | { type: 'Revoke'; actorId: string; userId: string }
  /** The owner hands the home to a member (`userId`), staying on as an admin. */
  | { type: 'TransferOwnership'; actorId: string; userId: string }
  /** The owner deletes the home (its gateway revoked before): access ends, its free text is shredded. */
  | { type: 'DeleteHome'; actorId: string };

export const roleIn = (state: HomeState, userId: string): Role | null => state.members[userId]?.role ?? null;

const homeNotFound = () => notFound('home_not_found', 'No such home');

function requireHome(state: HomeState): string {
  if (state.homeId === null || state.deleted) throw homeNotFound();
  return state.homeId;
}

function requireHomeName(name: string): string {
  const problem = homeNameProblem(name);
  if (problem !== null) throw invalid('invalid_home_name', `The home name ${problem}`, { field: 'name' });
  return name;
}

function requireManager(state: HomeState, actorId: string): Role {
  const role = roleIn(state, actorId);
  requirePermission(role, 'permission.manage', 'home_not_found', 'home');
  return role!;
}

function setMember(state: HomeState, userId: string, membership: Membership | null): HomeState {
  const members = { ...state.members };
  if (membership === null) delete members[userId];
  else members[userId] = membership;
  return { ...state, members };
}

type CommandOf<Type extends HomeCommand['type']> = Extract<HomeCommand, { type: Type }>;

function attachGateway(command: CommandOf<'AttachGateway'>, state: HomeState): HomeEvent[] {
  const created: HomeEvent[] = [];
  if (state.homeId === null) {
    const name = command.homeName === undefined ? {} : { name: requireHomeName(command.homeName) };
    created.push({ type: 'HomeCreated', data: { home_id: command.homeId, owner_id: command.actorId, ...name } });
  } else {
    requirePermission(roleIn(state, command.actorId), 'gateway.provision', 'home_not_found', 'home');
    if (state.activeGatewayId === command.gatewayId) return [];
    if (state.activeGatewayId !== null) {
      throw conflict('home_has_active_gateway', 'This home already has an active gateway; revoke it first', {
        gateway_id: state.activeGatewayId,
      });
    }
  }
  return [
    ...created,
    { type: 'HomeGatewayAttached', data: { home_id: command.homeId, gateway_id: command.gatewayId } },
  ];
}

function rename(command: CommandOf<'Rename'>, state: HomeState): HomeEvent[] {
  const homeId = requireHome(state);
  requirePermission(roleIn(state, command.actorId), 'home.rename', 'home_not_found', 'home');
  const name = requireHomeName(command.name);
  if (name === state.name) return [];
  return [
    { type: 'HomeRenamed', data: { home_id: homeId, name, previous_name: state.name, renamed_by: command.actorId } },
  ];
}

function detachGateway(command: CommandOf<'DetachGateway'>, state: HomeState): HomeEvent[] {
  if (state.homeId === null || state.activeGatewayId !== command.gatewayId) return [];
  return [
    {
      type: 'HomeGatewayDetached',
      data: { home_id: state.homeId, gateway_id: command.gatewayId, reason: command.reason },
    },
  ];
}

/** Grants a role to a user without one, or changes the role of a member (never the owner's). */
function grant(command: Omit<CommandOf<'Grant'>, 'type'>, state: HomeState): HomeEvent[] {
  const homeId = requireHome(state);
  const actorRole = requireManager(state, command.actorId);
  const current = roleIn(state, command.userId);
  if (current === command.role) return [];
  if (current === 'owner') throw forbidden('owner_is_fixed', "Nobody changes the owner's role");
  if (!canManage(actorRole, current, command.role)) {
    throw forbidden('forbidden', `Your role (${actorRole}) may not grant ${command.role}`);
  }
  if (current === null) {
    return [
      {
        type: 'PermissionGranted',
        data: { home_id: homeId, user_id: command.userId, role: command.role, granted_by: command.actorId },
      },
    ];
  }
  return [
    {
      type: 'PermissionRoleChanged',
      data: {
        home_id: homeId,
        user_id: command.userId,
        role: command.role,
        previous_role: current,
        changed_by: command.actorId,
      },
    },
  ];
}

/** As a grant, for a user who must already be a member. */
function changeRole(command: CommandOf<'ChangeRole'>, state: HomeState): HomeEvent[] {
  requireHome(state);
  requireManager(state, command.actorId);
  if (roleIn(state, command.userId) === null)
    throw notFound('permission_not_found', 'This user has no role in this home');
  return grant(command, state);
}

/** Removes a member: a manager removes others, anyone but the owner may leave. */
function revoke(command: CommandOf<'Revoke'>, state: HomeState): HomeEvent[] {
  const homeId = requireHome(state);
  const actorRole = roleIn(state, command.actorId);
  const current = roleIn(state, command.userId);
  const leaving = command.actorId === command.userId;
  if (actorRole === null) throw homeNotFound();
  if (current === 'owner') {
    throw leaving
      ? conflict('owner_cannot_leave', 'The owner cannot remove themselves while owner')
      : forbidden('owner_is_fixed', 'Nobody removes the owner');
  }
  if (!leaving) requirePermission(actorRole, 'permission.manage', 'home_not_found', 'home');
  if (current === null) throw notFound('permission_not_found', 'This user has no role in this home');
  if (!leaving && !canManage(actorRole, current, null)) {
    throw forbidden('forbidden', `Your role (${actorRole}) may not remove a ${current}`);
  }
  return [
    {
      type: 'PermissionRevoked',
      data: { home_id: homeId, user_id: command.userId, previous_role: current, revoked_by: command.actorId },
    },
  ];
}

function transferOwnership(command: CommandOf<'TransferOwnership'>, state: HomeState): HomeEvent[] {
  const homeId = requireHome(state);
  requirePermission(roleIn(state, command.actorId), 'home.transfer_ownership', 'home_not_found', 'home');
  if (command.userId === command.actorId) return [];
  const current = roleIn(state, command.userId);
  if (current === null || current === 'owner')
    throw notFound('permission_not_found', 'The new owner must be a member of this home');
  return [
    {
      type: 'HomeOwnershipTransferred',
      data: {
        home_id: homeId,
        previous_owner_id: command.actorId,
        new_owner_id: command.userId,
        new_owner_previous_role: current,
      },
    },
  ];
}

function deleteHome(command: CommandOf<'DeleteHome'>, state: HomeState): HomeEvent[] {
  // A retry by the one who deleted it (their request died after the append): done already, nothing to write.
  if (state.deleted && state.deletedBy === command.actorId) return [];
  const homeId = requireHome(state);
  requirePermission(roleIn(state, command.actorId), 'home.delete', 'home_not_found', 'home');
  if (state.activeGatewayId !== null) {
    throw conflict('home_has_active_gateway', "Revoke the home's gateway before deleting it", {
      gateway_id: state.activeGatewayId,
    });
  }
  const keyIds = [dataKeyIdOf('home', homeId), ...state.gatewayIds.map((id) => dataKeyIdOf('gateway', id))];
  return [
    { type: 'HomeDeleted', data: { home_id: homeId, deleted_by: command.actorId } },
    { type: 'PersonalDataErased', data: { key_ids: keyIds, reason: 'home_deleted', home_id: homeId } },
  ];
}

function evolveOwnership(state: HomeState, previousOwnerId: string, newOwnerId: string): HomeState {
  const withOwner = setMember({ ...state, ownerId: newOwnerId }, newOwnerId, {
    role: 'owner',
    grantedBy: previousOwnerId,
  });
  return setMember(withOwner, previousOwnerId, { role: 'admin', grantedBy: newOwnerId });
}

export const homeDecider: Decider<HomeCommand, HomeEvent, HomeState> = {
  initialState: {
    homeId: null,
    ownerId: null,
    name: DEFAULT_HOME_NAME,
    members: {},
    activeGatewayId: null,
    gatewayIds: [],
    deleted: false,
    deletedBy: null,
    erasedKeyIds: [],
  },

  evolve(state, event) {
    switch (event.type) {
      case 'HomeCreated':
        return setMember(
          {
            ...state,
            homeId: event.data.home_id,
            ownerId: event.data.owner_id,
            name: event.data.name ?? DEFAULT_HOME_NAME,
          },
          event.data.owner_id,
          {
            role: 'owner',
            grantedBy: event.data.owner_id,
          },
        );
      case 'HomeRenamed':
        return { ...state, name: event.data.name };
      case 'PermissionGranted':
        return setMember(state, event.data.user_id, { role: event.data.role, grantedBy: event.data.granted_by });
      case 'PermissionRoleChanged': {
        const current = state.members[event.data.user_id];
        return setMember(state, event.data.user_id, {
          role: event.data.role,
          grantedBy: current?.grantedBy ?? event.data.changed_by,
        });
      }
      case 'PermissionRevoked':
        return setMember(state, event.data.user_id, null);
      case 'HomeGatewayAttached': {
        const known = state.gatewayIds.includes(event.data.gateway_id);
        const gatewayIds = known ? state.gatewayIds : [...state.gatewayIds, event.data.gateway_id];
        return { ...state, activeGatewayId: event.data.gateway_id, gatewayIds };
      }
      case 'HomeGatewayDetached':
        return state.activeGatewayId === event.data.gateway_id ? { ...state, activeGatewayId: null } : state;
      case 'HomeOwnershipTransferred':
        return evolveOwnership(state, event.data.previous_owner_id, event.data.new_owner_id);
      case 'HomeDeleted':
        return { ...state, deleted: true, deletedBy: event.data.deleted_by, ownerId: null, members: {} };
      case 'PersonalDataErased':
        return { ...state, erasedKeyIds: [...state.erasedKeyIds, ...event.data.key_ids] };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'AttachGateway':
        return attachGateway(command, state);
      case 'Rename':
        return rename(command, state);
      case 'DetachGateway':
        return detachGateway(command, state);
      case 'Grant':
        return grant(command, state);
      case 'ChangeRole':
        return changeRole(command, state);
      case 'Revoke':
        return revoke(command, state);
      case 'TransferOwnership':
        return transferOwnership(command, state);
      case 'DeleteHome':
        return deleteHome(command, state);
    }
  },
};
