import { describe, expect, it } from 'vitest';
import { userDecider } from '../../../src/domain/accounts/user.ts';
import { tokenFamilyDecider } from '../../../src/domain/accounts/token-family.ts';
import type { UserEvent } from '../../../src/domain/accounts/user-events.ts';
import { eventCatalogue } from '../../../src/domain/catalogue.ts';
import { homeDecider } from '../../../src/domain/homes/home.ts';
import type { HomeEvent } from '../../../src/domain/homes/home-events.ts';
import { remoteCommandDecider, type IssueCommand } from '../../../src/domain/remote-control/remote-command.ts';
import { deciderSpec, summary } from '../../support/decider-testing.ts';

const HOME = '10000000-0000-4000-8000-000000000001';
const OWNER = '20000000-0000-4000-8000-000000000001';
const ADMIN = '20000000-0000-4000-8000-000000000002';
const USER = '20000000-0000-4000-8000-000000000003';
const VIEWER = '20000000-0000-4000-8000-000000000004';
const STRANGER = '20000000-0000-4000-8000-000000000005';
const GW1 = '30000000-0000-4000-8000-000000000001';
const GW2 = '30000000-0000-4000-8000-000000000002';
const FAMILY = '40000000-0000-4000-8000-000000000001';
const TOKEN = '40000000-0000-4000-8000-000000000002';
const HASH = 'c2NyeXB0AA8AAAAIAAAAAQ==';

const home = deciderSpec(homeDecider);
const user = deciderSpec(userDecider);

/** A home that had two gateways (the first revoked), with one member per role. */
const populated: HomeEvent[] = [
  { type: 'HomeCreated', data: { home_id: HOME, owner_id: OWNER, name: 'Villa' } },
  { type: 'HomeGatewayAttached', data: { home_id: HOME, gateway_id: GW1 } },
  { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW1, reason: 'revoked' } },
  { type: 'HomeGatewayAttached', data: { home_id: HOME, gateway_id: GW2 } },
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: ADMIN, role: 'admin', granted_by: OWNER } },
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: USER, role: 'user', granted_by: OWNER } },
  { type: 'PermissionGranted', data: { home_id: HOME, user_id: VIEWER, role: 'viewer', granted_by: OWNER } },
];
const withoutGateway: HomeEvent[] = [
  ...populated,
  { type: 'HomeGatewayDetached', data: { home_id: HOME, gateway_id: GW2, reason: 'revoked' } },
];
const PEOPLE = { owner: OWNER, admin: ADMIN, user: USER, viewer: VIEWER, stranger: STRANGER } as const;

describe('home decider: leaving, transferring, deleting', () => {
  it('anyone but the owner leaves (a PermissionRevoked by themselves); the owner must transfer first', () => {
    const outcomes = Object.fromEntries(
      Object.entries(PEOPLE).map(([role, id]) => [
        role,
        summary(home.given(populated).when({ type: 'Revoke', actorId: id, userId: id })),
      ]),
    );
    expect(outcomes).toEqual({
      owner: 'conflict:owner_cannot_leave',
      admin: 'PermissionRevoked',
      user: 'PermissionRevoked',
      viewer: 'PermissionRevoked',
      stranger: 'not_found:home_not_found',
    });
    home
      .given(populated)
      .when({ type: 'Revoke', actorId: VIEWER, userId: VIEWER })
      .then([
        {
          type: 'PermissionRevoked',
          data: { home_id: HOME, user_id: VIEWER, previous_role: 'viewer', revoked_by: VIEWER },
        },
      ]);
  });

  it('only the owner transfers ownership, to a member; the previous owner stays as an admin', () => {
    const outcomes = Object.fromEntries(
      Object.entries(PEOPLE).map(([role, id]) => [
        role,
        summary(home.given(populated).when({ type: 'TransferOwnership', actorId: id, userId: USER })),
      ]),
    );
    expect(outcomes).toEqual({
      owner: 'HomeOwnershipTransferred',
      admin: 'forbidden:forbidden',
      user: 'forbidden:forbidden',
      viewer: 'forbidden:forbidden',
      stranger: 'not_found:home_not_found',
    });
    const transferred = home
      .given(populated)
      .when({ type: 'TransferOwnership', actorId: OWNER, userId: USER })
      .then([
        {
          type: 'HomeOwnershipTransferred',
          data: { home_id: HOME, previous_owner_id: OWNER, new_owner_id: USER, new_owner_previous_role: 'user' },
        },
      ]);
    const after = home.stateOf([...populated, ...transferred]);
    expect(after.ownerId).toBe(USER);
    expect(after.members[USER]?.role).toBe('owner');
    expect(after.members[OWNER]?.role).toBe('admin');
    // The former owner may now leave; the new one may not.
    home
      .given([...populated, ...transferred])
      .when({ type: 'Revoke', actorId: OWNER, userId: OWNER })
      .thenTypes(['PermissionRevoked']);
    home
      .given([...populated, ...transferred])
      .when({ type: 'Revoke', actorId: USER, userId: USER })
      .thenThrows('owner_cannot_leave', 'conflict');
  });

  it('a transfer names a member: a stranger is not found, to oneself changes nothing', () => {
    home
      .given(populated)
      .when({ type: 'TransferOwnership', actorId: OWNER, userId: STRANGER })
      .thenThrows('permission_not_found', 'not_found');
    home.given(populated).when({ type: 'TransferOwnership', actorId: OWNER, userId: OWNER }).then([]);
  });

  it('only the owner deletes, once the gateway is revoked; the erasure names the home and every gateway it had', () => {
    home
      .given(populated)
      .when({ type: 'DeleteHome', actorId: OWNER })
      .thenThrows('home_has_active_gateway', 'conflict');
    for (const id of [ADMIN, USER, VIEWER]) {
      home.given(withoutGateway).when({ type: 'DeleteHome', actorId: id }).thenThrows('forbidden', 'forbidden');
    }
    home.given(withoutGateway).when({ type: 'DeleteHome', actorId: STRANGER }).thenThrows('home_not_found');
    const deleted = home
      .given(withoutGateway)
      .when({ type: 'DeleteHome', actorId: OWNER })
      .then([
        { type: 'HomeDeleted', data: { home_id: HOME, deleted_by: OWNER } },
        {
          type: 'PersonalDataErased',
          data: {
            key_ids: [`home:${HOME}`, `gateway:${GW1}`, `gateway:${GW2}`],
            reason: 'home_deleted',
            home_id: HOME,
          },
        },
      ]);
    for (const event of deleted) expect(() => eventCatalogue.validate(event.type, event.data)).not.toThrow();
  });

  it('a deleted home exists for nobody: every command is refused as not found', () => {
    const history = [
      ...withoutGateway,
      ...homeDecider.decide({ type: 'DeleteHome', actorId: OWNER }, home.stateOf(withoutGateway)),
    ];
    expect(home.stateOf(history).members).toEqual({});
    for (const command of [
      { type: 'DeleteHome', actorId: ADMIN },
      { type: 'Rename', actorId: OWNER, name: 'Again' },
      { type: 'Grant', actorId: OWNER, userId: STRANGER, role: 'viewer' },
      { type: 'Revoke', actorId: ADMIN, userId: ADMIN },
      { type: 'TransferOwnership', actorId: OWNER, userId: ADMIN },
      { type: 'AttachGateway', homeId: HOME, actorId: OWNER, gatewayId: GW1 },
    ] as const) {
      home.given(history).when(command).thenThrows('home_not_found', 'not_found');
    }
  });

  it('a retry of the deletion by the owner who deleted it is done already: nothing new, the erased keys still known', () => {
    const history = [
      ...withoutGateway,
      ...homeDecider.decide({ type: 'DeleteHome', actorId: OWNER }, home.stateOf(withoutGateway)),
    ];
    home.given(history).when({ type: 'DeleteHome', actorId: OWNER }).then([]);
    expect(home.stateOf(history)).toMatchObject({
      deleted: true,
      deletedBy: OWNER,
      erasedKeyIds: [`home:${HOME}`, `gateway:${GW1}`, `gateway:${GW2}`],
    });
  });
});

describe('user decider: account deletion', () => {
  const registered: UserEvent[] = [
    { type: 'UserRegistered', data: { user_id: USER, email: 'a@example.com', name: 'Ann', password_hash: HASH } },
  ];

  it("closes the account and erases the person's data key, once", () => {
    const closed = user
      .given(registered)
      .when({ type: 'DeleteAccount' })
      .then([
        { type: 'UserAccountDeleted', data: { user_id: USER } },
        { type: 'PersonalDataErased', data: { key_ids: [`user:${USER}`], reason: 'account_deleted', user_id: USER } },
      ]);
    for (const event of closed) expect(() => eventCatalogue.validate(event.type, event.data)).not.toThrow();
    const history = [...registered, ...closed];
    for (const command of [
      { type: 'DeleteAccount' },
      { type: 'UpdateProfile', name: 'Back' },
      { type: 'ChangePassword', passwordHash: HASH },
    ] as const) {
      user.given(history).when(command).thenThrows('user_not_found', 'not_found');
    }
    user.given([]).when({ type: 'DeleteAccount' }).thenThrows('user_not_found', 'not_found');
  });

  it('kills every token family: a deletion counts as a credentials change', () => {
    const before = user.stateOf(registered).credentialsVersion;
    const deleted = [...registered, ...userDecider.decide({ type: 'DeleteAccount' }, user.stateOf(registered))];
    const after = user.stateOf(deleted).credentialsVersion;
    expect(after).toBe(before + 1);
    const family = deciderSpec(tokenFamilyDecider);
    const started = family.historyOf({
      type: 'Start',
      userId: USER,
      familyId: FAMILY,
      tokenId: TOKEN,
      credentialsVersion: before,
    });
    family
      .given(started)
      .when({
        type: 'Rotate',
        familyId: FAMILY,
        presentedTokenId: TOKEN,
        newTokenId: GW1,
        credentialsVersion: after,
        reuse: 'strict',
        presenter: { clientAddress: null, userAgent: null },
      })
      .thenThrows('token_revoked');
  });
});

describe('remote command decider: withdrawn when its home is deleted', () => {
  const CMD = '50000000-0000-4000-8000-000000000001';
  const T0 = new Date('2030-01-01T00:00:00.000Z');
  const later = new Date(T0.getTime() + 5_000);
  const issue = (ttlS: number): IssueCommand => ({
    type: 'Issue',
    commandId: CMD,
    gatewayId: GW2,
    homeId: HOME,
    deviceId: 'lamp',
    action: 'turn_on',
    params: {},
    issuedBy: OWNER,
    actorRole: 'owner',
    timeoutS: 30,
    ttlS,
    fingerprint: 'a'.repeat(64),
    now: T0,
  });
  const spec = deciderSpec(remoteCommandDecider);

  it('a queued command expires at once, a waited-for one times out, a finished one is left alone', () => {
    spec
      .given(spec.historyOf(issue(600)))
      .when({ type: 'Withdraw', now: later })
      .thenTypes(['RemoteCommandExpired']);
    spec
      .given(spec.historyOf(issue(0)))
      .when({ type: 'Withdraw', now: later })
      .thenTypes(['RemoteCommandTimedOut']);
    const expired = [
      ...spec.historyOf(issue(600)),
      ...remoteCommandDecider.decide({ type: 'Withdraw', now: later }, spec.stateOf(spec.historyOf(issue(600)))),
    ];
    spec.given(expired).when({ type: 'Withdraw', now: later }).then([]);
  });
});
