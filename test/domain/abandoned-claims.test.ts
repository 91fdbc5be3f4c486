import { describe, it } from 'vitest';
import { emailClaimDecider } from '../../src/domain/accounts/email-claim.ts';
import { userDecider } from '../../src/domain/accounts/user.ts';
import type { UserEvent } from '../../src/domain/accounts/user-events.ts';
import { gatewayDecider } from '../../src/domain/gateways/gateway.ts';
import type { GatewayEvent } from '../../src/domain/gateways/gateway-events.ts';
import { pairingDecider } from '../../src/domain/gateways/pairing.ts';
import type { PairingEvent } from '../../src/domain/gateways/pairing-events.ts';
import { deciderSpec } from '../support/decider-testing.ts';

const USER = '20000000-0000-4000-8000-000000000001';
const HOME = '10000000-0000-4000-8000-000000000001';
const NAMED_HOME = '10000000-0000-4000-8000-000000000002';
const GW = '30000000-0000-4000-8000-000000000001';
const LATER_GW = '30000000-0000-4000-8000-000000000002';
const HASH = 'c2NyeXB0AAAA';
const CLAIMED_AT = new Date('2030-01-01T00:00:00Z');
const GRACE_MS = 30_000;
const WITHIN_GRACE = new Date(CLAIMED_AT.getTime() + GRACE_MS - 1);
const PAST_GRACE = new Date(CLAIMED_AT.getTime() + GRACE_MS);

const user = deciderSpec(userDecider);
const gateway = deciderSpec(gatewayDecider);
const emailClaim = deciderSpec(emailClaimDecider);
const pairing = deciderSpec(pairingDecider);

const abandonRegistration = (now: Date) =>
  ({ type: 'AbandonRegistration', userId: USER, claimedAt: CLAIMED_AT, now, graceMs: GRACE_MS }) as const;
const abandonProvisioning = (now: Date) =>
  ({
    type: 'AbandonProvisioning',
    gatewayId: GW,
    homeId: HOME,
    heldSince: CLAIMED_AT,
    now,
    graceMs: GRACE_MS,
  }) as const;
const registered: UserEvent = {
  type: 'UserRegistered',
  data: { user_id: USER, email: 'a@example.com', name: 'A', password_hash: HASH },
};
const userAbandoned: UserEvent = { type: 'UserRegistrationAbandoned', data: { user_id: USER } };
const gatewayAbandoned: GatewayEvent = {
  type: 'GatewayProvisioningAbandoned',
  data: { gateway_id: GW, home_id: HOME },
};
const provisioned: GatewayEvent = {
  type: 'GatewayProvisioned',
  data: {
    gateway_id: GW,
    home_id: HOME,
    name: 'Hall',
    secret_digest: `hmac-sha256:${'0'.repeat(64)}`,
    via: 'provision',
  },
};

describe('an e-mail claimed by a registration that crashed before writing its user (issue 18 item 4)', () => {
  it('is not taken from its holder within the grace period: it may still be writing', () => {
    user.given([]).when(abandonRegistration(WITHIN_GRACE)).thenThrows('holder_within_grace');
  });

  it('closes the holder id after the grace period, once, so the claim can be released', () => {
    user.given([]).when(abandonRegistration(PAST_GRACE)).then([userAbandoned]);
    user.given([userAbandoned]).when(abandonRegistration(PAST_GRACE)).then([]);
  });

  it('never takes the claim of a user that was written', () => {
    user.given([registered]).when(abandonRegistration(PAST_GRACE)).thenThrows('holder_is_real');
  });

  it('refuses a registration that arrives after its id was closed (it lost its claim)', () => {
    const late = { type: 'Register', userId: USER, email: 'a@example.com', name: 'A', passwordHash: HASH } as const;
    user.given([userAbandoned]).when(late).thenThrows('registration_abandoned');
  });

  it('releases the claim with the reason, and only the holder’s claim', () => {
    const claimed = { type: 'EmailClaimed' as const, data: { user_id: USER } };
    emailClaim
      .given([claimed])
      .when({ type: 'Release', userId: USER, reason: 'holder_never_written' })
      .then([{ type: 'EmailReleased', data: { user_id: USER, reason: 'holder_never_written' } }]);
    emailClaim.given([claimed]).when({ type: 'Release', userId: GW, reason: 'holder_never_written' }).then([]);
  });
});

describe('an e-mail claim left by an e-mail change that crashed half-way', () => {
  const lapse = (email: string, now: Date) =>
    ({ type: 'LapseEmailClaim', email, claimRevision: 3, claimedAt: CLAIMED_AT, now, graceMs: GRACE_MS }) as const;
  const lapsed: UserEvent = {
    type: 'UserEmailClaimLapsed',
    data: { user_id: USER, email: 'b@example.com', claim_revision: 3 },
  };

  it('lapses after the grace period when the holder uses another address, once', () => {
    user.given([registered]).when(lapse('b@example.com', WITHIN_GRACE)).thenThrows('holder_within_grace');
    user.given([registered]).when(lapse('b@example.com', PAST_GRACE)).then([lapsed]);
    user.given([registered, lapsed]).when(lapse('b@example.com', PAST_GRACE)).then([]);
  });

  it('never lapses the address the holder uses', () => {
    user.given([registered]).when(lapse('a@example.com', PAST_GRACE)).thenThrows('holder_is_real');
  });

  it('refuses the late e-mail change that held the lapsed claim, not a later one with a new claim', () => {
    const late = { type: 'ChangeEmail', email: 'b@example.com', claimRevision: 3 } as const;
    user.given([registered, lapsed]).when(late).thenThrows('email_claim_lapsed');
    user
      .given([registered, lapsed])
      .when({ ...late, claimRevision: 5 })
      .then([
        { type: 'UserEmailChanged', data: { user_id: USER, email: 'b@example.com', previous_email: 'a@example.com' } },
      ]);
  });
});

describe('a home slot or pairing code held by a gateway whose provisioning crashed (issue 18 item 3)', () => {
  it('stands within the grace period', () => {
    gateway.given([]).when(abandonProvisioning(WITHIN_GRACE)).thenThrows('holder_within_grace');
  });

  it('closes the gateway id after the grace period, once', () => {
    gateway.given([]).when(abandonProvisioning(PAST_GRACE)).then([gatewayAbandoned]);
    gateway.given([gatewayAbandoned]).when(abandonProvisioning(PAST_GRACE)).then([]);
  });

  it('never closes a gateway that was provisioned', () => {
    gateway.given([provisioned]).when(abandonProvisioning(PAST_GRACE)).thenThrows('holder_is_real');
  });

  it('refuses a provisioning that arrives after its id was closed, and the closed id answers 404', () => {
    const late = {
      type: 'Provision',
      gatewayId: GW,
      homeId: HOME,
      name: 'Hall',
      secretDigest: `hmac-sha256:${'0'.repeat(64)}`,
      via: 'provision',
    } as const;
    gateway.given([gatewayAbandoned]).when(late).thenThrows('provisioning_abandoned');
    gateway
      .given([gatewayAbandoned])
      .when({ type: 'Rename', actorRole: 'owner', name: 'X' })
      .thenThrows('gateway_not_found', 'not_found');
  });
});

describe('pairing redemptions that failed (issue 18 item 9) or crashed', () => {
  const requestedForAnyHome: PairingEvent = {
    type: 'PairingRequested',
    data: { home_id: null, name: null, requested_by: USER, expires_at: '2030-01-01T01:00:00.000Z' },
  };
  const redeemedNamingAHome: PairingEvent = { type: 'PairingRedeemed', data: { gateway_id: GW, home_id: NAMED_HOME } };
  const failed: PairingEvent = {
    type: 'PairingRedemptionFailed',
    data: { gateway_id: GW, reason: 'home_has_active_gateway' },
  };

  it('a failed pairing redemption does not bind the code to the home the redeemer named', () => {
    const redeemElsewhere = { type: 'Redeem', gatewayId: LATER_GW, homeId: HOME, now: CLAIMED_AT } as const;
    pairing
      .given([requestedForAnyHome, redeemedNamingAHome, failed])
      .when(redeemElsewhere)
      .then([{ type: 'PairingRedeemed', data: { gateway_id: LATER_GW, home_id: HOME } }]);
  });

  it('records a failure only for the redemption in progress (a late failure of an earlier one changes nothing)', () => {
    const redeemedAgain: PairingEvent = { type: 'PairingRedeemed', data: { gateway_id: LATER_GW, home_id: HOME } };
    const stale = { type: 'RedemptionFailed', gatewayId: GW, reason: 'holder_never_written' } as const;
    pairing.given([requestedForAnyHome, redeemedNamingAHome, failed, redeemedAgain]).when(stale).then([]);
  });
});
