import { describe, expect, it } from 'vitest';
import { userDecider } from '../../src/domain/accounts/user.ts';
import { tokenFamilyDecider } from '../../src/domain/accounts/token-family.ts';
import type { TokenFamilyEvent, UserEvent } from '../../src/domain/accounts/user-events.ts';
import { emailClaimDecider } from '../../src/domain/accounts/email-claim.ts';
import { deciderSpec } from '../support/decider-testing.ts';

const USER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const FAMILY = '33333333-3333-4333-8333-333333333333';
const T1 = '44444444-4444-4444-8444-444444444444';
const T2 = '55555555-5555-4555-8555-555555555555';
const T3 = '66666666-6666-4666-8666-666666666666';
const HASH = 'c2NyeXB0AA8AAAAIAAAAAQ==';

const user = deciderSpec(userDecider);
const family = deciderSpec(tokenFamilyDecider);
const emailClaim = deciderSpec(emailClaimDecider);

const registered: UserEvent[] = [
  { type: 'UserRegistered', data: { user_id: USER, email: 'a@example.com', name: 'Ann', password_hash: HASH } },
];

describe('user decider', () => {
  it('registers once', () => {
    const register = {
      type: 'Register' as const,
      userId: USER,
      email: 'a@example.com',
      name: 'Ann',
      passwordHash: HASH,
    };
    user.given([]).when(register).then(registered);
    user.given(registered).when(register).thenThrows('user_exists');
  });

  it('profile and e-mail changes are recorded only when something changes', () => {
    user.given(registered).when({ type: 'UpdateProfile', name: 'Ann' }).then([]);
    user
      .given(registered)
      .when({ type: 'UpdateProfile', name: 'Anna' })
      .then([{ type: 'UserProfileUpdated', data: { user_id: USER, name: 'Anna' } }]);
    user.given(registered).when({ type: 'ChangeEmail', email: 'a@example.com', claimRevision: 0 }).then([]);
    user
      .given(registered)
      .when({ type: 'ChangeEmail', email: 'b@example.com', claimRevision: 0 })
      .then([
        { type: 'UserEmailChanged', data: { user_id: USER, email: 'b@example.com', previous_email: 'a@example.com' } },
      ]);
  });

  it('a password change moves the credentials version forward', () => {
    const changed = user
      .given(registered)
      .when({ type: 'ChangePassword', passwordHash: HASH })
      .thenTypes(['UserPasswordChanged']);
    expect(user.stateOf([...registered, ...changed]).credentialsVersion).toBe(1);
  });

  it('refuses commands for a user that does not exist', () => {
    user.given([]).when({ type: 'UpdateProfile', name: 'x' }).thenThrows('user_not_found');
  });
});

describe('token family decider', () => {
  const started: TokenFamilyEvent[] = [
    { type: 'UserLoggedIn', data: { user_id: USER, family_id: FAMILY, token_id: T1, credentials_version: 0 } },
  ];
  // Today's behaviour (REFRESH_TOKEN_REUSE=strict); the tolerant rule has its own specs in token-family.test.ts.
  const rotate = (presentedTokenId: string, newTokenId: string, credentialsVersion = 0) =>
    ({
      type: 'Rotate',
      familyId: FAMILY,
      presentedTokenId,
      newTokenId,
      credentialsVersion,
      reuse: 'strict',
      presenter: { clientAddress: null, userAgent: null },
    }) as const;

  it('starts once', () => {
    family
      .given([])
      .when({ type: 'Start', userId: USER, familyId: FAMILY, tokenId: T1, credentialsVersion: 0 })
      .then(started);
  });

  it('rotates the current refresh token', () => {
    family
      .given(started)
      .when(rotate(T1, T2))
      .then([
        {
          type: 'RefreshTokenRotated',
          data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 },
        },
      ]);
  });

  it('treats reuse of a rotated token as theft, then refuses the whole family', () => {
    const rotated: TokenFamilyEvent[] = [
      ...started,
      { type: 'RefreshTokenRotated', data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 } },
    ];
    const reuse = family
      .given(rotated)
      .when(rotate(T1, T3))
      .then([{ type: 'RefreshTokenReuseDetected', data: { user_id: USER, family_id: FAMILY, token_id: T1 } }]);
    family
      .given([...rotated, ...reuse])
      .when(rotate(T2, T3))
      .thenThrows('token_revoked');
  });

  it('logout revokes the family; a second logout changes nothing', () => {
    const out = family
      .given(started)
      .when({ type: 'LogOut', familyId: FAMILY })
      .then([{ type: 'RefreshTokenRevoked', data: { user_id: USER, family_id: FAMILY, reason: 'logout' } }]);
    family
      .given([...started, ...out])
      .when({ type: 'LogOut', familyId: FAMILY })
      .then([]);
    family
      .given([...started, ...out])
      .when(rotate(T1, T2))
      .thenThrows('token_revoked');
  });

  it('a family started before a password change is dead', () => {
    family
      .given(started)
      .when(rotate(T1, T2, 1))
      .thenThrows('token_revoked');
  });

  it('an unknown family is refused', () => {
    family.given([]).when(rotate(T1, T2)).thenThrows('token_revoked');
  });
});

describe('e-mail claim decider', () => {
  it('the first claim wins; another user gets a conflict; the owner may claim again', () => {
    const claimed = emailClaim.given([]).when({ type: 'Claim', userId: USER }).thenTypes(['EmailClaimed']);
    emailClaim.given(claimed).when({ type: 'Claim', userId: USER }).then([]);
    emailClaim.given(claimed).when({ type: 'Claim', userId: OTHER }).thenThrows('email_taken');
  });

  it('a released address can be claimed by someone else; only the owner can release', () => {
    const claimed = emailClaim.given([]).when({ type: 'Claim', userId: USER }).thenTypes(['EmailClaimed']);
    emailClaim.given(claimed).when({ type: 'Release', userId: OTHER }).then([]);
    const released = [
      ...claimed,
      ...emailClaim.given(claimed).when({ type: 'Release', userId: USER }).thenTypes(['EmailReleased']),
    ];
    emailClaim
      .given(released)
      .when({ type: 'Claim', userId: OTHER })
      .then([{ type: 'EmailClaimed', data: { user_id: OTHER } }]);
  });
});
