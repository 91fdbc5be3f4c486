import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { userDecider } from '../../src/domain/accounts/user.ts';
import { tokenFamilyDecider } from '../../src/domain/accounts/token-family.ts';
import type { TokenFamilyEvent, UserEvent } from '../../src/domain/accounts/user-events.ts';
import { emailClaimDecider } from '../../src/domain/accounts/email-claim.ts';
import { errorOf, given } from '../support/decider-testing.ts';

const USER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const FAMILY = '33333333-3333-4333-8333-333333333333';
const T1 = '44444444-4444-4444-8444-444444444444';
const T2 = '55555555-5555-4555-8555-555555555555';
const T3 = '66666666-6666-4666-8666-666666666666';
const HASH = 'c2NyeXB0AA8AAAAIAAAAAQ==';



const registered: UserEvent[] = [
  { type: 'UserRegistered', data: { user_id: USER, email: 'a@example.com', name: 'Ann', password_hash: HASH } },
];

describe('user decider', () => {
  it('registers once', () => {
    const register = { type: 'Register' as const, userId: USER, email: 'a@example.com', name: 'Ann', passwordHash: HASH };
    expect(given(userDecider, []).when(register)).toEqual(registered);
    expect(errorOf(() => given(userDecider, registered).when(register)).code).toBe('user_exists');
  });

  it('profile and e-mail changes are recorded only when something changes', () => {
    const user = given(userDecider, registered);
    expect(user.when({ type: 'UpdateProfile', name: 'Ann' })).toEqual([]);
    expect(user.when({ type: 'UpdateProfile', name: 'Anna' })).toEqual([{ type: 'UserProfileUpdated', data: { user_id: USER, name: 'Anna' } }]);
    expect(user.when({ type: 'ChangeEmail', email: 'a@example.com', claimRevision: 0 })).toEqual([]);
    expect(user.when({ type: 'ChangeEmail', email: 'b@example.com', claimRevision: 0 })).toEqual([
      { type: 'UserEmailChanged', data: { user_id: USER, email: 'b@example.com', previous_email: 'a@example.com' } },
    ]);
  });

  it('a password change moves the credentials version forward', () => {
    const changed = [...registered, ...given(userDecider, registered).when({ type: 'ChangePassword', passwordHash: HASH })];
    expect(fold(userDecider, changed).credentialsVersion).toBe(1);
  });

  it('refuses commands for a user that does not exist', () => {
    expect(errorOf(() => given(userDecider, []).when({ type: 'UpdateProfile', name: 'x' })).code).toBe('user_not_found');
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
    expect(given(tokenFamilyDecider, []).when({ type: 'Start', userId: USER, familyId: FAMILY, tokenId: T1, credentialsVersion: 0 })).toEqual(started);
  });

  it('rotates the current refresh token', () => {
    expect(given(tokenFamilyDecider, started).when(rotate(T1, T2))).toEqual([
      { type: 'RefreshTokenRotated', data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 } },
    ]);
  });

  it('treats reuse of a rotated token as theft, then refuses the whole family', () => {
    const rotated: TokenFamilyEvent[] = [
      ...started,
      { type: 'RefreshTokenRotated', data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 } },
    ];
    const reuse = given(tokenFamilyDecider, rotated).when(rotate(T1, T3));
    expect(reuse).toEqual([{ type: 'RefreshTokenReuseDetected', data: { user_id: USER, family_id: FAMILY, token_id: T1 } }]);
    expect(errorOf(() => given(tokenFamilyDecider, [...rotated, ...reuse]).when(rotate(T2, T3))).code).toBe('token_revoked');
  });

  it('logout revokes the family; a second logout changes nothing', () => {
    const out = given(tokenFamilyDecider, started).when({ type: 'LogOut', familyId: FAMILY });
    expect(out).toEqual([{ type: 'RefreshTokenRevoked', data: { user_id: USER, family_id: FAMILY, reason: 'logout' } }]);
    expect(given(tokenFamilyDecider, [...started, ...out]).when({ type: 'LogOut', familyId: FAMILY })).toEqual([]);
    expect(errorOf(() => given(tokenFamilyDecider, [...started, ...out]).when(rotate(T1, T2))).code).toBe('token_revoked');
  });

  it('a family started before a password change is dead', () => {
    expect(errorOf(() => given(tokenFamilyDecider, started).when(rotate(T1, T2, 1))).code).toBe('token_revoked');
  });

  it('an unknown family is refused', () => {
    expect(errorOf(() => given(tokenFamilyDecider, []).when(rotate(T1, T2))).code).toBe('token_revoked');
  });
});

describe('e-mail claim decider', () => {
  it('the first claim wins; another user gets a conflict; the owner may claim again', () => {
    const claimed = given(emailClaimDecider, []).when({ type: 'Claim', userId: USER });
    expect(given(emailClaimDecider, claimed).when({ type: 'Claim', userId: USER })).toEqual([]);
    expect(errorOf(() => given(emailClaimDecider, claimed).when({ type: 'Claim', userId: OTHER })).code).toBe('email_taken');
  });

  it('a released address can be claimed by someone else; only the owner can release', () => {
    const claimed = given(emailClaimDecider, []).when({ type: 'Claim', userId: USER });
    expect(given(emailClaimDecider, claimed).when({ type: 'Release', userId: OTHER })).toEqual([]);
    const released = [...claimed, ...given(emailClaimDecider, claimed).when({ type: 'Release', userId: USER })];
    expect(given(emailClaimDecider, released).when({ type: 'Claim', userId: OTHER })).toEqual([{ type: 'EmailClaimed', data: { user_id: OTHER } }]);
  });
});
