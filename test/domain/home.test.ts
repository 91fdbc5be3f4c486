import { describe, expect, it } from 'vitest';
import { homeDecider } from '../../src/domain/homes/home.ts';
import type { HomeEvent } from '../../src/domain/homes/home-events.ts';
import { deciderSpec } from '../support/decider-testing.ts';

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

const { given, stateOf } = deciderSpec(homeDecider);

describe('home decider', () => {
  it('creates the home with the caller as owner when a gateway is attached to an unknown home', () => {
    given([]).when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1 }).then(created);
  });

  it('allows one active gateway: a second attach conflicts until the first is detached', () => {
    const second = given(created)
      .when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2 })
      .thenThrows('home_has_active_gateway', 'conflict');
    expect(second.details).toEqual({ gateway_id: GW1 });
    const detached = given(created)
      .when({ type: 'DetachGateway', gatewayId: GW1, reason: 'revoked' })
      .then([{ type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } }]);
    given([...created, ...detached])
      .when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2 })
      .then([{ type: 'HomeGatewayAttached', data: { home_id: HOME, gateway_id: GW2 } }]);
    given(created).when({ type: 'DetachGateway', gatewayId: GW2, reason: 'deleted' }).then([]);
    given(created).when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1 }).then([]);
  });

  it('only the owner or an admin attaches a gateway to an existing home; strangers are told it does not exist', () => {
    const free = [
      ...populated,
      { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } } as HomeEvent,
    ];
    const attach = (actorId: string) =>
      given(free).when({ type: 'AttachGateway', homeId: HOME, actorId, gatewayId: GW2 });
    attach(ADMIN).thenTypes(['HomeGatewayAttached']);
    attach(USER).thenThrows('forbidden', 'forbidden');
    attach(VIEWER).thenThrows('forbidden', 'forbidden');
    attach(STRANGER).thenThrows('home_not_found');
  });

  it('grants a new member, changes a role, records nothing when the role is the same', () => {
    given(populated)
      .when({ type: 'Grant', actorId: OWNER, userId: NEWCOMER, role: 'admin' })
      .then([
        { type: 'PermissionGranted', data: { home_id: HOME, user_id: NEWCOMER, role: 'admin', granted_by: OWNER } },
      ]);
    given(populated)
      .when({ type: 'Grant', actorId: ADMIN, userId: USER, role: 'viewer' })
      .then([
        {
          type: 'PermissionRoleChanged',
          data: { home_id: HOME, user_id: USER, role: 'viewer', previous_role: 'user', changed_by: ADMIN },
        },
      ]);
    given(populated).when({ type: 'Grant', actorId: ADMIN, userId: USER, role: 'user' }).then([]);
  });

  it('nobody raises anyone to or above their own role, and nobody touches the owner', () => {
    given(populated)
      .when({ type: 'Grant', actorId: ADMIN, userId: NEWCOMER, role: 'admin' })
      .thenThrows('forbidden', 'forbidden');
    given(populated)
      .when({ type: 'ChangeRole', actorId: ADMIN, userId: ADMIN, role: 'user' })
      .thenThrows('forbidden', 'forbidden');
    given(populated)
      .when({ type: 'Grant', actorId: USER, userId: NEWCOMER, role: 'viewer' })
      .thenThrows('forbidden', 'forbidden');
    given(populated).when({ type: 'Grant', actorId: OWNER, userId: OWNER, role: 'admin' }).thenThrows('owner_is_fixed');
    given(populated).when({ type: 'Revoke', actorId: ADMIN, userId: OWNER }).thenThrows('owner_is_fixed');
    given(populated).when({ type: 'Revoke', actorId: OWNER, userId: OWNER }).thenThrows('owner_cannot_leave');
  });

  it('revokes: managers remove those below them, anyone removes themselves, strangers get not found', () => {
    given(populated)
      .when({ type: 'Revoke', actorId: ADMIN, userId: VIEWER })
      .then([
        {
          type: 'PermissionRevoked',
          data: { home_id: HOME, user_id: VIEWER, previous_role: 'viewer', revoked_by: ADMIN },
        },
      ]);
    given(populated).when({ type: 'Revoke', actorId: OWNER, userId: ADMIN }).thenTypes(['PermissionRevoked']);
    given(populated).when({ type: 'Revoke', actorId: USER, userId: VIEWER }).thenThrows('forbidden', 'forbidden');
    given(populated).when({ type: 'Revoke', actorId: VIEWER, userId: VIEWER }).thenTypes(['PermissionRevoked']);
    given(populated).when({ type: 'Revoke', actorId: ADMIN, userId: ADMIN }).thenTypes(['PermissionRevoked']);
    given(populated).when({ type: 'Revoke', actorId: STRANGER, userId: VIEWER }).thenThrows('home_not_found');
    given(populated).when({ type: 'Revoke', actorId: OWNER, userId: NEWCOMER }).thenThrows('permission_not_found');
  });

  it('a revoked member has no say any more', () => {
    const revoked: HomeEvent[] = [
      ...populated,
      { type: 'PermissionRevoked', data: { home_id: HOME, user_id: ADMIN, previous_role: 'admin', revoked_by: OWNER } },
    ];
    given(revoked)
      .when({ type: 'Grant', actorId: ADMIN, userId: NEWCOMER, role: 'viewer' })
      .thenThrows('home_not_found');
  });

  it('commands on a home that does not exist are not found', () => {
    given([]).when({ type: 'Grant', actorId: OWNER, userId: NEWCOMER, role: 'viewer' }).thenThrows('home_not_found');
    given([]).when({ type: 'Revoke', actorId: OWNER, userId: NEWCOMER }).thenThrows('home_not_found');
    given(populated)
      .when({ type: 'ChangeRole', actorId: OWNER, userId: NEWCOMER, role: 'user' })
      .thenThrows('permission_not_found');
    given([]).when({ type: 'DetachGateway', gatewayId: GW1, reason: 'revoked' }).then([]);
  });
});

describe('home names', () => {
  it('a home created with a name carries it; an existing home keeps its own when a gateway attaches with another', () => {
    const named = given([])
      .when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1, homeName: 'Cabin' })
      .thenTypes(['HomeCreated', 'HomeGatewayAttached']);
    expect(named[0]).toEqual({ type: 'HomeCreated', data: { home_id: HOME, owner_id: OWNER, name: 'Cabin' } });
    expect(stateOf(named).name).toBe('Cabin');
    const detached: HomeEvent[] = [
      ...named,
      { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } },
    ];
    given(detached)
      .when({ type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW2, homeName: 'Other' })
      .thenTypes(['HomeGatewayAttached']);
  });

  it('a HomeCreated without a name (written before homes had names) reads as "Home"', () => {
    expect(stateOf(created).name).toBe('Home');
  });

  it('owner and admin rename; the same name records nothing; user and viewer are refused, a stranger is told no such home', () => {
    given(populated)
      .when({ type: 'Rename', actorId: ADMIN, name: 'Villa' })
      .then([
        { type: 'HomeRenamed', data: { home_id: HOME, name: 'Villa', previous_name: 'Home', renamed_by: ADMIN } },
      ]);
    given(populated).when({ type: 'Rename', actorId: OWNER, name: 'Home' }).then([]);
    given(populated).when({ type: 'Rename', actorId: USER, name: 'x' }).thenThrows('forbidden');
    given(populated).when({ type: 'Rename', actorId: VIEWER, name: 'x' }).thenThrows('forbidden');
    given(populated).when({ type: 'Rename', actorId: STRANGER, name: 'x' }).thenThrows('home_not_found');
    given([]).when({ type: 'Rename', actorId: OWNER, name: 'x' }).thenThrows('home_not_found');
  });

  it('refuses names that are empty, too long, padded or carry control characters', () => {
    for (const name of ['', ' Villa', 'x'.repeat(101), 'a\u0000b', 'tab\there', 'del\u007f', '\ud800']) {
      given(populated).when({ type: 'Rename', actorId: OWNER, name }).thenThrows('invalid_home_name');
    }
    given(populated)
      .when({ type: 'Rename', actorId: OWNER, name: 'x'.repeat(100) })
      .thenTypes(['HomeRenamed']);
    given(populated).when({ type: 'Rename', actorId: OWNER, name: 'Zuhause 🏠' }).thenTypes(['HomeRenamed']);
  });
});
