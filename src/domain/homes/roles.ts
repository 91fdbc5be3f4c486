import { forbidden, notFound } from '../errors.ts';

/**
 * Who may do what in a home, as data: the tables below are the whole policy, and a test walks every cell.
 */
export const ROLES = ['owner', 'admin', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Roles a grant, role change or revocation may name (nobody grants `owner` through the API). */
export const GRANTABLE_ROLES = ['admin', 'user', 'viewer'] as const satisfies readonly Role[];
export type GrantableRole = (typeof GRANTABLE_ROLES)[number];

export const ACTIONS = [
  'home.read',
  /** The home's name (`PATCH`/`PUT /api/homes/{id}/`). */
  'home.rename',
  /** Hand the home to another member (`POST /api/homes/{id}/transfer-ownership`): owner only. */
  'home.transfer_ownership',
  /** Delete the home and shred its free text (`DELETE /api/homes/{id}`): owner only. */
  'home.delete',
  'gateway.read',
  'gateway.provision',
  'gateway.rename',
  'gateway.rotate_secret',
  'gateway.revoke',
  'gateway.delete',
  'device.read',
  'device.control',
  /** Ask the home's gateway for its device inventory again (`POST /api/homes/{home}/devices/sync`). */
  'device.sync',
  'permission.list',
  'permission.manage',
  /** The home's audit history (`GET /api/audit/`): who did what, with client addresses and user agents. */
  'audit.read',
] as const;
export type Action = (typeof ACTIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Action[]>> = {
  owner: ACTIONS,
  admin: [
    'home.read',
    'home.rename',
    'gateway.read',
    'gateway.provision',
    'gateway.rename',
    'gateway.rotate_secret',
    'gateway.revoke',
    'device.read',
    'device.control',
    'device.sync',
    'permission.list',
    'permission.manage',
    'audit.read',
  ],
  user: ['home.read', 'gateway.read', 'device.read', 'device.control'],
  viewer: ['home.read', 'gateway.read', 'device.read'],
};

/**
 * Which roles a role may manage: grant, change to and from, and revoke. Nobody manages the owner, and nobody
 * raises anyone above their own standing.
 */
export const MANAGEABLE_ROLES: Readonly<Record<Role, readonly GrantableRole[]>> = {
  owner: ['admin', 'user', 'viewer'],
  admin: ['user', 'viewer'],
  user: [],
  viewer: [],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function can(role: Role | null, action: Action): boolean {
  return role !== null && ROLE_PERMISSIONS[role].includes(action);
}

/** May `actor` move a member from `from` (null: not a member yet) to `to` (null: no access)? */
export function canManage(actor: Role | null, from: Role | null, to: Role | null): boolean {
  if (actor === null) return false;
  const manageable: readonly Role[] = MANAGEABLE_ROLES[actor];
  return (from === null || manageable.includes(from)) && (to === null || manageable.includes(to));
}

/**
 * Authorises `action`: a stranger (no role) is told the thing does not exist, so existence never leaks; a member
 * without the right is told no.
 */
export function requirePermission(role: Role | null, action: Action, notFoundCode: string, what: string): void {
  if (role === null) throw notFound(notFoundCode, `No such ${what}`);
  if (!can(role, action)) throw forbidden('forbidden', `Your role (${role}) may not do ${action}`);
}
