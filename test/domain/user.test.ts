import { describe, expect, it } from 'vitest';
import { fold } from '../../src/domain/decider.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { userDecider, type UserCommand } from '../../src/domain/accounts/user.ts';
import type { UserEvent } from '../../src/domain/accounts/user-events.ts';
import { emailClaimDecider } from '../../src/domain/accounts/email-claim.ts';

const USER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
const FAMILY = '33333333-3333-4333-8333-333333333333';
const T1 = '44444444-4444-4444-8444-444444444444';
const T2 = '55555555-5555-4555-8555-555555555555';
const T3 = '66666666-6666-4666-8666-666666666666';
const HASH = 'c2NyeXB0AA8AAAAIAAAAAQ==';

const registered: UserEvent[] = [
  { type: 'UserRegistered', data: { user_id: USER, email: 'a@example.com', name: 'Ann', password_hash: HASH } },
  { type: 'UserLoggedIn', data: { user_id: USER, family_id: FAMILY, token_id: T1 } },
];

/** given events, when command, then events (or the error it throws). */
function when(given: UserEvent[], command: UserCommand) {
  return userDecider.decide(command, fold(userDecider, given));
}

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('user decider', () => {
  it('registers once and starts a token family', () => {
    const events = when([], { type: 'Register', userId: USER, email: 'a@example.com', name: 'Ann', passwordHash: HASH, familyId: FAMILY, tokenId: T1 });
    expect(events).toEqual(registered);
    const again = errorOf(() => when(registered, { type: 'Register', userId: USER, email: 'a@example.com', name: 'Ann', passwordHash: HASH, familyId: FAMILY, tokenId: T1 }));
    expect(again.code).toBe('user_exists');
  });

  it('rotates the current refresh token', () => {
    expect(when(registered, { type: 'RotateRefreshToken', familyId: FAMILY, presentedTokenId: T1, newTokenId: T2 })).toEqual([
      { type: 'RefreshTokenRotated', data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 } },
    ]);
  });

  it('treats reuse of a rotated token as theft and then refuses the whole family', () => {
    const rotated: UserEvent[] = [...registered, { type: 'RefreshTokenRotated', data: { user_id: USER, family_id: FAMILY, token_id: T2, previous_token_id: T1 } }];
    const reuse = when(rotated, { type: 'RotateRefreshToken', familyId: FAMILY, presentedTokenId: T1, newTokenId: T3 });
    expect(reuse).toEqual([{ type: 'RefreshTokenReuseDetected', data: { user_id: USER, family_id: FAMILY, token_id: T1 } }]);
    const error = errorOf(() => when([...rotated, ...reuse], { type: 'RotateRefreshToken', familyId: FAMILY, presentedTokenId: T2, newTokenId: T3 }));
    expect(error.code).toBe('token_revoked');
  });

  it('logout revokes the family; a second logout changes nothing', () => {
    const out = when(registered, { type: 'LogOut', familyId: FAMILY, presentedTokenId: T1 });
    expect(out).toEqual([{ type: 'RefreshTokenRevoked', data: { user_id: USER, family_id: FAMILY, reason: 'logout' } }]);
    expect(when([...registered, ...out], { type: 'LogOut', familyId: FAMILY, presentedTokenId: T1 })).toEqual([]);
    expect(errorOf(() => when([...registered, ...out], { type: 'RotateRefreshToken', familyId: FAMILY, presentedTokenId: T1, newTokenId: T2 })).code).toBe('token_revoked');
  });

  it('a password change kills every family issued before it', () => {
    const changed = [...registered, ...when(registered, { type: 'ChangePassword', passwordHash: HASH })];
    expect(errorOf(() => when(changed, { type: 'RotateRefreshToken', familyId: FAMILY, presentedTokenId: T1, newTokenId: T2 })).code).toBe('token_revoked');
  });

  it('profile and e-mail changes are recorded only when something changes', () => {
    expect(when(registered, { type: 'UpdateProfile', name: 'Ann' })).toEqual([]);
    expect(when(registered, { type: 'UpdateProfile', name: 'Anna' })).toEqual([{ type: 'UserProfileUpdated', data: { user_id: USER, name: 'Anna' } }]);
    expect(when(registered, { type: 'ChangeEmail', email: 'b@example.com' })).toEqual([
      { type: 'UserEmailChanged', data: { user_id: USER, email: 'b@example.com', previous_email: 'a@example.com' } },
    ]);
  });

  it('refuses commands for a user that does not exist', () => {
    expect(errorOf(() => when([], { type: 'LogIn', familyId: FAMILY, tokenId: T1 })).code).toBe('user_not_found');
  });
});

describe('e-mail claim decider', () => {
  it('the first claim wins; another user gets a conflict; the owner may claim again', () => {
    const claimed = emailClaimDecider.decide({ type: 'Claim', userId: USER }, emailClaimDecider.initialState);
    const state = fold(emailClaimDecider, claimed);
    expect(emailClaimDecider.decide({ type: 'Claim', userId: USER }, state)).toEqual([]);
    expect(errorOf(() => emailClaimDecider.decide({ type: 'Claim', userId: OTHER }, state)).code).toBe('email_taken');
  });

  it('a released address can be claimed by someone else', () => {
    const events = [
      ...emailClaimDecider.decide({ type: 'Claim', userId: USER }, emailClaimDecider.initialState),
      { type: 'EmailReleased' as const, data: { user_id: USER } },
    ];
    expect(emailClaimDecider.decide({ type: 'Claim', userId: OTHER }, fold(emailClaimDecider, events))).toEqual([
      { type: 'EmailClaimed', data: { user_id: OTHER } },
    ]);
  });
});
