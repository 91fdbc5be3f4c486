import { describe, expect, it } from 'vitest';
import { canConnect, gatewayDecider, type GatewayCommand } from '../../src/domain/gateways/gateway.ts';
import { gatewayEventSchemas, type GatewayEvent } from '../../src/domain/gateways/gateway-events.ts';
import { ROLES, type Role } from '../../src/domain/homes/roles.ts';
import { deciderSpec, summary } from '../support/decider-testing.ts';

const GW = '30000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const DIGEST = `hmac-sha256:${'a'.repeat(64)}`;
const DIGEST2 = `hmac-sha256:${'b'.repeat(64)}`;

const provisioned: GatewayEvent[] = [
  {
    type: 'GatewayProvisioned',
    data: { gateway_id: GW, home_id: HOME, name: 'Hall', secret_digest: DIGEST, via: 'provision' },
  },
];
const revoked: GatewayEvent[] = [...provisioned, { type: 'GatewayRevoked', data: { gateway_id: GW, home_id: HOME } }];
const deleted: GatewayEvent[] = [...provisioned, { type: 'GatewayDeleted', data: { gateway_id: GW, home_id: HOME } }];

const { given, stateOf } = deciderSpec(gatewayDecider);

describe('gateway decider', () => {
  it('provisions once', () => {
    const provision = {
      type: 'Provision',
      gatewayId: GW,
      homeId: HOME,
      name: 'Hall',
      secretDigest: DIGEST,
      via: 'provision',
    } as const;
    given([]).when(provision).then(provisioned);
    given(provisioned).when(provision).thenThrows('gateway_exists', 'conflict');
  });

  const expectations: Record<string, Record<Role | 'stranger', string>> = {
    Rename: {
      stranger: 'not_found:gateway_not_found',
      viewer: 'forbidden:forbidden',
      user: 'forbidden:forbidden',
      admin: 'GatewayRenamed',
      owner: 'GatewayRenamed',
    },
    RotateSecret: {
      stranger: 'not_found:gateway_not_found',
      viewer: 'forbidden:forbidden',
      user: 'forbidden:forbidden',
      admin: 'GatewaySecretRotated',
      owner: 'GatewaySecretRotated',
    },
    Revoke: {
      stranger: 'not_found:gateway_not_found',
      viewer: 'forbidden:forbidden',
      user: 'forbidden:forbidden',
      admin: 'GatewayRevoked',
      owner: 'GatewayRevoked',
    },
    Delete: {
      stranger: 'not_found:gateway_not_found',
      viewer: 'forbidden:forbidden',
      user: 'forbidden:forbidden',
      admin: 'forbidden:forbidden',
      owner: 'GatewayDeleted',
    },
  };
  const commandFor = (type: string, actorRole: Role | null): GatewayCommand =>
    type === 'Rename'
      ? { type, actorRole, name: 'Attic' }
      : type === 'RotateSecret'
        ? { type, actorRole, secretDigest: DIGEST2 }
        : ({ type, actorRole } as GatewayCommand);

  for (const [type, byRole] of Object.entries(expectations)) {
    for (const role of [...ROLES, null]) {
      it(`${type} by ${role ?? 'stranger'} → ${byRole[role ?? 'stranger']}`, () => {
        expect(summary(given(provisioned).when(commandFor(type, role)))).toBe(byRole[role ?? 'stranger']);
      });
    }
  }

  it('records the rename with the previous name, and nothing when unchanged', () => {
    given(provisioned)
      .when({ type: 'Rename', actorRole: 'admin', name: 'Attic' })
      .then([{ type: 'GatewayRenamed', data: { gateway_id: GW, name: 'Attic', previous_name: 'Hall' } }]);
    given(provisioned).when({ type: 'Rename', actorRole: 'admin', name: 'Hall' }).then([]);
  });

  it('a revoked gateway cannot connect or rotate; revoking twice records nothing', () => {
    expect(canConnect(stateOf(provisioned))).toBe(true);
    expect(canConnect(stateOf(revoked))).toBe(false);
    given(revoked)
      .when({ type: 'RotateSecret', actorRole: 'owner', secretDigest: DIGEST2 })
      .thenThrows('gateway_revoked', 'conflict');
    given(revoked).when({ type: 'Revoke', actorRole: 'owner' }).then([]);
    given(revoked).when({ type: 'Delete', actorRole: 'owner' }).thenTypes(['GatewayDeleted']);
  });

  it('a deleted or unknown gateway does not exist for anyone', () => {
    expect(canConnect(stateOf(deleted))).toBe(false);
    for (const history of [[], deleted]) {
      for (const type of Object.keys(expectations)) {
        given(history).when(commandFor(type, 'owner')).thenThrows('gateway_not_found', 'not_found');
      }
    }
  });

  it('the event schema refuses anything but a digest where the secret goes', () => {
    const data = { gateway_id: GW, home_id: HOME, name: 'Hall', via: 'provision' };
    expect(gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: DIGEST }).success).toBe(true);
    expect(gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: 'x'.repeat(43) }).success).toBe(
      false,
    );
    expect(
      gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: DIGEST, secret: 'x' }).success,
    ).toBe(false);
  });
});

describe('gateway versions', () => {
  const provision = (version?: string) =>
    ({
      type: 'Provision',
      gatewayId: GW,
      homeId: HOME,
      name: 'Hall',
      secretDigest: DIGEST,
      via: 'pairing',
      ...(version === undefined ? {} : { version }),
    }) as const;

  it('the version a gateway reports at pairing is recorded on it; none is none', () => {
    const events = given([]).when(provision('1.0.0')).thenTypes(['GatewayProvisioned']);
    expect(events[0]!.data).toMatchObject({ version: '1.0.0' });
    expect(stateOf(events).version).toBe('1.0.0');
    expect(stateOf(provisioned).version).toBeNull();
    expect('version' in given([]).when(provision()).thenTypes(['GatewayProvisioned'])[0]!.data).toBe(false);
  });

  it('refuses a version that is empty, longer than 50 or carries control characters', () => {
    for (const version of ['', '1'.repeat(51), '1.0\n', ' 1.0']) {
      given([]).when(provision(version)).thenThrows('invalid_gateway_version', 'invalid');
    }
  });
});
