import { describe, expect, it } from 'vitest';
import { pairingDecider } from '../../src/domain/gateways/pairing.ts';
import type { PairingEvent } from '../../src/domain/gateways/pairing-events.ts';
import { deciderSpec } from '../support/decider-testing.ts';

const USER = '20000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const OTHER_HOME = '10000000-0000-4000-8000-000000000002';
const GW = '30000000-0000-4000-8000-000000000001';
const EXPIRES = '2030-01-01T00:10:00.000Z';
const BEFORE = new Date('2030-01-01T00:05:00Z');
const AFTER = new Date('2030-01-01T00:10:00Z');

const requested: PairingEvent[] = [
  { type: 'PairingRequested', data: { home_id: HOME, name: 'Attic', requested_by: USER, expires_at: EXPIRES } },
];
const redeemed: PairingEvent[] = [...requested, { type: 'PairingRedeemed', data: { gateway_id: GW, home_id: HOME } }];
const redeem = (homeId: string, now: Date) => ({ type: 'Redeem', gatewayId: GW, homeId, now }) as const;

const { given, stateOf } = deciderSpec(pairingDecider);

describe('pairing decider', () => {
  it('requests a code once', () => {
    given([])
      .when({ type: 'Request', homeId: HOME, name: 'Attic', requestedBy: USER, expiresAt: new Date(EXPIRES) })
      .then(requested);
    given(requested)
      .when({ type: 'Request', homeId: null, name: null, requestedBy: USER, expiresAt: new Date(EXPIRES) })
      .thenThrows('pairing_code_collision', 'conflict');
  });

  it('redeems a valid code once', () => {
    given(requested).when(redeem(HOME, BEFORE)).then(redeemed.slice(1));
    given(redeemed).when(redeem(HOME, BEFORE)).thenThrows('pairing_code_used', 'invalid');
  });

  it('refuses unknown codes and codes for another home', () => {
    given([]).when(redeem(HOME, BEFORE)).thenThrows('pairing_code_invalid', 'invalid');
    given(requested).when(redeem(OTHER_HOME, BEFORE)).thenThrows('pairing_home_mismatch', 'invalid');
  });

  it('records the expiry when an expired code is presented, then refuses it', () => {
    const expired = given(requested)
      .when(redeem(HOME, AFTER))
      .then([{ type: 'PairingExpired', data: { expired_at: EXPIRES } }]);
    given([...requested, ...expired])
      .when(redeem(HOME, BEFORE))
      .thenThrows('pairing_code_expired', 'invalid');
  });

  it('a failed provisioning gives the code back', () => {
    const failed = given(redeemed)
      .when({ type: 'RedemptionFailed', gatewayId: GW, reason: 'home_has_active_gateway' })
      .then([{ type: 'PairingRedemptionFailed', data: { gateway_id: GW, reason: 'home_has_active_gateway' } }]);
    given([...redeemed, ...failed])
      .when(redeem(HOME, BEFORE))
      .thenTypes(['PairingRedeemed']);
    given(requested).when({ type: 'RedemptionFailed', gatewayId: GW, reason: 'x' }).then([]);
  });
});

describe('pairing codes that name the new home', () => {
  it('a code for no home carries the home name to its redemption', () => {
    const named = given([])
      .when({
        type: 'Request',
        homeId: null,
        name: null,
        homeName: 'Cabin',
        requestedBy: USER,
        expiresAt: new Date(EXPIRES),
      })
      .then([
        {
          type: 'PairingRequested',
          data: { home_id: null, name: null, home_name: 'Cabin', requested_by: USER, expires_at: EXPIRES },
        },
      ]);
    expect(stateOf(named).homeName).toBe('Cabin');
    expect(stateOf(requested).homeName).toBeNull();
  });

  it('a home name with an existing home is refused: that home keeps its name', () => {
    given([])
      .when({
        type: 'Request',
        homeId: HOME,
        name: null,
        homeName: 'Cabin',
        requestedBy: USER,
        expiresAt: new Date(EXPIRES),
      })
      .thenThrows('home_name_for_existing_home', 'invalid');
  });
});
