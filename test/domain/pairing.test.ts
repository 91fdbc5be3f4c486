import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { pairingDecider, type PairingCommand } from '../../src/domain/gateways/pairing.ts';
import type { PairingEvent } from '../../src/domain/gateways/pairing-events.ts';

const USER = '20000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const OTHER_HOME = '10000000-0000-4000-8000-000000000002';
const GW = '30000000-0000-4000-8000-000000000001';
const EXPIRES = '2030-01-01T00:10:00.000Z';
const BEFORE = new Date('2030-01-01T00:05:00Z');
const AFTER = new Date('2030-01-01T00:10:00Z');

const requested: PairingEvent[] = [{ type: 'PairingRequested', data: { home_id: HOME, name: 'Attic', requested_by: USER, expires_at: EXPIRES } }];
const redeemed: PairingEvent[] = [...requested, { type: 'PairingRedeemed', data: { gateway_id: GW, home_id: HOME } }];

const when = (given: PairingEvent[], command: PairingCommand) => pairingDecider.decide(command, fold(pairingDecider, given));
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.code}`;
    throw error;
  }
  return 'no error';
};

describe('pairing decider', () => {
  it('requests a code once', () => {
    expect(when([], { type: 'Request', homeId: HOME, name: 'Attic', requestedBy: USER, expiresAt: new Date(EXPIRES) })).toEqual(requested);
    expect(codeOf(() => when(requested, { type: 'Request', homeId: null, name: null, requestedBy: USER, expiresAt: new Date(EXPIRES) }))).toBe(
      'conflict:pairing_code_collision',
    );
  });

  it('redeems a valid code once', () => {
    expect(when(requested, { type: 'Redeem', gatewayId: GW, homeId: HOME, now: BEFORE })).toEqual(redeemed.slice(1));
    expect(codeOf(() => when(redeemed, { type: 'Redeem', gatewayId: GW, homeId: HOME, now: BEFORE }))).toBe('invalid:pairing_code_used');
  });

  it('refuses unknown codes and codes for another home', () => {
    expect(codeOf(() => when([], { type: 'Redeem', gatewayId: GW, homeId: HOME, now: BEFORE }))).toBe('invalid:pairing_code_invalid');
    expect(codeOf(() => when(requested, { type: 'Redeem', gatewayId: GW, homeId: OTHER_HOME, now: BEFORE }))).toBe('invalid:pairing_home_mismatch');
  });

  it('records the expiry when an expired code is presented, then refuses it', () => {
    const expired = when(requested, { type: 'Redeem', gatewayId: GW, homeId: HOME, now: AFTER });
    expect(expired).toEqual([{ type: 'PairingExpired', data: { expired_at: EXPIRES } }]);
    expect(codeOf(() => when([...requested, ...expired], { type: 'Redeem', gatewayId: GW, homeId: HOME, now: BEFORE }))).toBe('invalid:pairing_code_expired');
  });

  it('a failed provisioning gives the code back', () => {
    const failed = when(redeemed, { type: 'RedemptionFailed', gatewayId: GW, reason: 'home_has_active_gateway' });
    expect(failed).toEqual([{ type: 'PairingRedemptionFailed', data: { gateway_id: GW, reason: 'home_has_active_gateway' } }]);
    expect(when([...redeemed, ...failed], { type: 'Redeem', gatewayId: GW, homeId: HOME, now: BEFORE })).toHaveLength(1);
    expect(when(requested, { type: 'RedemptionFailed', gatewayId: GW, reason: 'x' })).toEqual([]);
  });
});

describe('pairing codes that name the new home', () => {
  it('a code for no home carries the home name to its redemption', () => {
    const named = when([], { type: 'Request', homeId: null, name: null, homeName: 'Cabin', requestedBy: USER, expiresAt: new Date(EXPIRES) });
    expect(named).toEqual([{ type: 'PairingRequested', data: { home_id: null, name: null, home_name: 'Cabin', requested_by: USER, expires_at: EXPIRES } }]);
    expect(fold(pairingDecider, named).homeName).toBe('Cabin');
    expect(fold(pairingDecider, requested).homeName).toBeNull();
  });

  it('a home name with an existing home is refused: that home keeps its name', () => {
    expect(codeOf(() => when([], { type: 'Request', homeId: HOME, name: null, homeName: 'Cabin', requestedBy: USER, expiresAt: new Date(EXPIRES) }))).toBe(
      'invalid:home_name_for_existing_home',
    );
  });
});
