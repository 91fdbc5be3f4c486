import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { homeDecider, type HomeCommand } from '../../src/domain/homes/home.ts';
import type { HomeEvent } from '../../src/domain/homes/home-events.ts';
import { errorOf } from '../support/decider-testing.ts';

const HOME = '10000000-0000-4000-8000-000000000001';
const OWNER = '20000000-0000-4000-8000-000000000001';
const ADMIN = '20000000-0000-4000-8000-000000000002';
const USER = '20000000-0000-4000-8000-000000000003';
const VIEWER = '20000000-0000-4000-8000-000000000004';
const STRANGER = '20000000-0000-4000-8000-000000000005';
const NEWCOMER = '20000000-0000-4000-8000-000000000006';
const GW1 = '30000000-0000-4000-8000-000000000001';
const GW2 = '30000000-0000-4000-8000-000000000002';

const created: HomeEvent[] = [
  { type: 'HomeCreated', data: { home_id: HOME, owner_id: OWNER } },
  { type: 'HomeGatewayAttached', data: { home_id: HOME, gateway_id: GW1 } },
];
const populated: HomeEvent[] = [
  ...created,
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: ADMIN, role: 'admin', granted_by: OWNER } },
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: USER, role: 'user', granted_by: OWNER } },
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: VIEWER, role: 'viewer', granted_by: ADMIN } },
];

const when = (given: HomeEvent[], command: HomeCommand) => homeDecider.decide(command, fold(homeDecider, given));


describe('home decider', () => {
  it('creates the home with the caller as owner when a gateway is attached to an unknown home', () => {
    expect(when([], { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1 })).toEqual(created);
  });

  it('allows one active gateway: a second attach conflicts until the first is detached', () => {
    const second = errorOf(() => when(created, { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2 }));
    expect([second.kind, second.code, second.details]).toEqual(['conflict', 'home_has_active_gateway', { gateway_id: GW1 }]);
    const detached = when(created, { type: 'DetachGateway', gatewayId: GW1, reason: 'revoked' });
    expect(detached).toEqual([{ type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } }]);
    expect(when([...created, ...detached], { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2 })).toEqual([
      { type: 'HomeGatewayAttached', data: { home_id: HOME, gateway_id: GW2 } },
    ]);
    expect(when(created, { type: 'DetachGateway', gatewayId: GW2, reason: 'deleted' })).toEqual([]);
    expect(when(created, { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1 })).toEqual([]);
  });

  it('only the owner or an admin attaches a gateway to an existing home; strangers are told it does not exist', () => {
    const free = [...populated, { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } } as HomeEvent];
    const attach = (actorId: string) => () => when(free, { type: 'AttachGateway', homeId: HOME, actorId, gatewayId: GW2 });
    expect(attach(ADMIN)()).toHaveLength(1);
    expect(errorOf(attach(USER)).kind).toBe('forbidden');
    expect(errorOf(attach(VIEWER)).kind).toBe('forbidden');
    expect(errorOf(attach(STRANGER)).code).toBe('home_not_found');
  });

  it('grants a new member, changes a role, records nothing when the role is the same', () => {
    expect(when(populated, { type: 'Grant', actorId: OWNER, userId: NEWCOMER, role: 'admin' })).toEqual([
      { type: 'PermissionGranted', data: { home_id: HOME, user_id: NEWCOMER, role: 'admin', granted_by: OWNER } },
    ]);
    expect(when(populated, { type: 'Grant', actorId: ADMIN, userId: USER, role: 'viewer' })).toEqual([
      { type: 'PermissionRoleChanged', data: { home_id: HOME, user_id: USER, role: 'viewer', previous_role: 'user', changed_by: ADMIN } },
    ]);
    expect(when(populated, { type: 'Grant', actorId: ADMIN, userId: USER, role: 'user' })).toEqual([]);
  });

  it('nobody raises anyone to or above their own role, and nobody touches the owner', () => {
    expect(errorOf(() => when(populated, { type: 'Grant', actorId: ADMIN, userId: NEWCOMER, role: 'admin' })).kind).toBe('forbidden');
    expect(errorOf(() => when(populated, { type: 'ChangeRole', actorId: ADMIN, userId: ADMIN, role: 'user' })).kind).toBe('forbidden');
    expect(errorOf(() => when(populated, { type: 'Grant', actorId: USER, userId: NEWCOMER, role: 'viewer' })).kind).toBe('forbidden');
    expect(errorOf(() => when(populated, { type: 'Grant', actorId: OWNER, userId: OWNER, role: 'admin' })).code).toBe('owner_is_fixed');
    expect(errorOf(() => when(populated, { type: 'Revoke', actorId: ADMIN, userId: OWNER })).code).toBe('owner_is_fixed');
    expect(errorOf(() => when(populated, { type: 'Revoke', actorId: OWNER, userId: OWNER })).code).toBe('owner_cannot_leave');
  });

  it('revokes: managers remove those below them, anyone removes themselves, strangers get not found', () => {
    expect(when(populated, { type: 'Revoke', actorId: ADMIN, userId: VIEWER })).toEqual([
      { type: 'PermissionRevoked', data: { home_id: HOME, user_id: VIEWER, previous_role: 'viewer', revoked_by: ADMIN } },
    ]);
    expect(when(populated, { type: 'Revoke', actorId: OWNER, userId: ADMIN })).toHaveLength(1);
    expect(errorOf(() => when(populated, { type: 'Revoke', actorId: USER, userId: VIEWER })).kind).toBe('forbidden');
    expect(when(populated, { type: 'Revoke', actorId: VIEWER, userId: VIEWER })).toHaveLength(1);
    expect(when(populated, { type: 'Revoke', actorId: ADMIN, userId: ADMIN })).toHaveLength(1);
    expect(errorOf(() => when(populated, { type: 'Revoke', actorId: STRANGER, userId: VIEWER })).code).toBe('home_not_found');
    expect(errorOf(() => when(populated, { type: 'Revoke', actorId: OWNER, userId: NEWCOMER })).code).toBe('permission_not_found');
  });

  it('a revoked member has no say any more', () => {
    const revoked: HomeEvent[] = [...populated, { type: 'PermissionRevoked', data: { home_id: HOME, user_id: ADMIN, previous_role: 'admin', revoked_by: OWNER } }];
    expect(errorOf(() => when(revoked, { type: 'Grant', actorId: ADMIN, userId: NEWCOMER, role: 'viewer' })).code).toBe('home_not_found');
  });

  it('commands on a home that does not exist are not found', () => {
    expect(errorOf(() => when([], { type: 'Grant', actorId: OWNER, userId: NEWCOMER, role: 'viewer' })).code).toBe('home_not_found');
    expect(errorOf(() => when([], { type: 'Revoke', actorId: OWNER, userId: NEWCOMER })).code).toBe('home_not_found');
    expect(errorOf(() => when(populated, { type: 'ChangeRole', actorId: OWNER, userId: NEWCOMER, role: 'user' })).code).toBe('permission_not_found');
    expect(when([], { type: 'DetachGateway', gatewayId: GW1, reason: 'revoked' })).toEqual([]);
  });
});

describe('home names', () => {
  it('a home created with a name carries it; an existing home keeps its own when a gateway attaches with another', () => {
    const named = when([], { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1, homeName: 'Cabin' });
    expect(named[0]).toEqual({ type: 'HomeCreated', data: { home_id: HOME, owner_id: OWNER, name: 'Cabin' } });
    expect(fold(homeDecider, named).name).toBe('Cabin');
    const detached: HomeEvent[] = [...named, { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } }];
    const again = when(detached, { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2, homeName: 'Other' });
    expect(again.map((event) => event.type)).toEqual(['HomeGatewayAttached']);
  });

  it('a HomeCreated without a name (written before homes had names) reads as "Home"', () => {
    expect(fold(homeDecider, created).name).toBe('Home');
  });

  it('owner and admin rename; the same name records nothing; user and viewer are refused, a stranger is told no such home', () => {
    expect(when(populated, { type: 'Rename', actorId: ADMIN, name: 'Villa' })).toEqual([
      { type: 'HomeRenamed', data: { home_id: HOME, name: 'Villa', previous_name: 'Home', renamed_by: ADMIN } },
    ]);
    expect(when(populated, { type: 'Rename', actorId: OWNER, name: 'Home' })).toEqual([]);
    expect(errorOf(() => when(populated, { type: 'Rename', actorId: USER, name: 'x' })).code).toBe('forbidden');
    expect(errorOf(() => when(populated, { type: 'Rename', actorId: VIEWER, name: 'x' })).code).toBe('forbidden');
    expect(errorOf(() => when(populated, { type: 'Rename', actorId: STRANGER, name: 'x' })).code).toBe('home_not_found');
    expect(errorOf(() => when([], { type: 'Rename', actorId: OWNER, name: 'x' })).code).toBe('home_not_found');
  });

  it('refuses names that are empty, too long, padded or carry control characters', () => {
    for (const name of ['', ' Villa', 'x'.repeat(101), 'a\u0000b', 'tab\there', 'del\u007f', '\ud800']) {
      expect(errorOf(() => when(populated, { type: 'Rename', actorId: OWNER, name })).code, JSON.stringify(name)).toBe('invalid_home_name');
    }
    expect(when(populated, { type: 'Rename', actorId: OWNER, name: 'x'.repeat(100) })).toHaveLength(1);
    expect(when(populated, { type: 'Rename', actorId: OWNER, name: 'Zuhause 🏠' })).toHaveLength(1);
  });
});
