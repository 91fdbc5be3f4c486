import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { canConnect, gatewayDecider, type GatewayCommand } from '../../src/domain/gateways/gateway.ts';
import { gatewayEventSchemas, type GatewayEvent } from '../../src/domain/gateways/gateway-events.ts';
import { ROLES, type Role } from '../../src/domain/homes/roles.ts';

const GW = '30000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const DIGEST = `hmac-sha256:${'a'.repeat(64)}`;
const DIGEST2 = `hmac-sha256:${'b'.repeat(64)}`;

const provisioned: GatewayEvent[] = [
  { type: 'GatewayProvisioned', data: { gateway_id: GW, home_id: HOME, name: 'Hall', secret_digest: DIGEST, via: 'provision' } },
];
const revoked: GatewayEvent[] = [...provisioned, { type: 'GatewayRevoked', data: { gateway_id: GW, home_id: HOME } }];
const deleted: GatewayEvent[] = [...provisioned, { type: 'GatewayDeleted', data: { gateway_id: GW, home_id: HOME } }];

const when = (given: GatewayEvent[], command: GatewayCommand) => gatewayDecider.decide(command, fold(gatewayDecider, given));

function outcome(fn: () => GatewayEvent[]): string {
  try {
    return fn().map((event) => event.type).join(',') || 'nothing';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.code}`;
    throw error;
  }
}

describe('gateway decider', () => {
  it('provisions once', () => {
    expect(when([], { type: 'Provision', gatewayId: GW, homeId: HOME, name: 'Hall', secretDigest: DIGEST, via: 'provision' })).toEqual(provisioned);
    expect(outcome(() => when(provisioned, { type: 'Provision', gatewayId: GW, homeId: HOME, name: 'Hall', secretDigest: DIGEST, via: 'provision' }))).toBe(
      'conflict:gateway_exists',
    );
  });

  const expectations: Record<string, Record<Role | 'stranger', string>> = {
    Rename: { stranger: 'not_found:gateway_not_found', viewer: 'forbidden:forbidden', user: 'forbidden:forbidden', admin: 'GatewayRenamed', owner: 'GatewayRenamed' },
    RotateSecret: { stranger: 'not_found:gateway_not_found', viewer: 'forbidden:forbidden', user: 'forbidden:forbidden', admin: 'GatewaySecretRotated', owner: 'GatewaySecretRotated' },
    Revoke: { stranger: 'not_found:gateway_not_found', viewer: 'forbidden:forbidden', user: 'forbidden:forbidden', admin: 'GatewayRevoked', owner: 'GatewayRevoked' },
    Delete: { stranger: 'not_found:gateway_not_found', viewer: 'forbidden:forbidden', user: 'forbidden:forbidden', admin: 'forbidden:forbidden', owner: 'GatewayDeleted' },
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
        expect(outcome(() => when(provisioned, commandFor(type, role)))).toBe(byRole[role ?? 'stranger']);
      });
    }
  }

  it('records the rename with the previous name, and nothing when unchanged', () => {
    expect(when(provisioned, { type: 'Rename', actorRole: 'admin', name: 'Attic' })).toEqual([
      { type: 'GatewayRenamed', data: { gateway_id: GW, name: 'Attic', previous_name: 'Hall' } },
    ]);
    expect(when(provisioned, { type: 'Rename', actorRole: 'admin', name: 'Hall' })).toEqual([]);
  });

  it('a revoked gateway cannot connect or rotate; revoking twice records nothing', () => {
    expect(canConnect(fold(gatewayDecider, provisioned))).toBe(true);
    expect(canConnect(fold(gatewayDecider, revoked))).toBe(false);
    expect(outcome(() => when(revoked, { type: 'RotateSecret', actorRole: 'owner', secretDigest: DIGEST2 }))).toBe('conflict:gateway_revoked');
    expect(when(revoked, { type: 'Revoke', actorRole: 'owner' })).toEqual([]);
    expect(outcome(() => when(revoked, { type: 'Delete', actorRole: 'owner' }))).toBe('GatewayDeleted');
  });

  it('a deleted or unknown gateway does not exist for anyone', () => {
    expect(canConnect(fold(gatewayDecider, deleted))).toBe(false);
    for (const given of [[], deleted]) {
      for (const type of Object.keys(expectations)) {
        expect(outcome(() => when(given, commandFor(type, 'owner')))).toBe('not_found:gateway_not_found');
      }
    }
  });

  it('the event schema refuses anything but a digest where the secret goes', () => {
    const data = { gateway_id: GW, home_id: HOME, name: 'Hall', via: 'provision' };
    expect(gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: DIGEST }).success).toBe(true);
    expect(gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: 'x'.repeat(43) }).success).toBe(false);
    expect(gatewayEventSchemas.GatewayProvisioned.safeParse({ ...data, secret_digest: DIGEST, secret: 'x' }).success).toBe(false);
  });
});

describe('gateway versions', () => {
  const provision = (version?: string) =>
    ({ type: 'Provision', gatewayId: GW, homeId: HOME, name: 'Hall', secretDigest: DIGEST, via: 'pairing', ...(version === undefined ? {} : { version }) }) as const;

  it('the version a gateway reports at pairing is recorded on it; none is none', () => {
    const events = when([], provision('1.0.0'));
    expect(events[0]!.data).toMatchObject({ version: '1.0.0' });
    expect(fold(gatewayDecider, events).version).toBe('1.0.0');
    expect(fold(gatewayDecider, provisioned).version).toBeNull();
    expect('version' in when([], provision())[0]!.data).toBe(false);
  });

  it('refuses a version that is empty, longer than 50 or carries control characters', () => {
    for (const version of ['', '1'.repeat(51), '1.0\n', ' 1.0']) {
      expect(outcome(() => when([], provision(version))), JSON.stringify(version)).toBe('invalid:invalid_gateway_version');
    }
  });
});
