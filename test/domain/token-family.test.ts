import { describe, it } from 'vitest';
import { tokenFamilyDecider, type RefreshTokenReuse } from '../../src/domain/accounts/token-family.ts';
import type { TokenFamilyEvent } from '../../src/domain/accounts/user-events.ts';
import { deciderSpec } from '../support/decider-testing.ts';

const USER = '11111111-1111-4111-8111-111111111111';
const FAMILY = '33333333-3333-4333-8333-333333333333';
const T0 = '44444444-4444-4444-8444-444444444444';
const T1 = '55555555-5555-4555-8555-555555555555';
const T2 = '66666666-6666-4666-8666-666666666666';
const T3 = '77777777-7777-4777-8777-777777777777';
const T4 = '88888888-8888-4888-8888-888888888888';
const APP = { clientAddress: '203.0.113.7', userAgent: 'okhttp/4.9.2' };

const family = deciderSpec(tokenFamilyDecider);

const rotate = (presentedTokenId: string, newTokenId: string, reuse: RefreshTokenReuse = 'tolerant') =>
  ({
    type: 'Rotate',
    familyId: FAMILY,
    presentedTokenId,
    newTokenId,
    credentialsVersion: 0,
    reuse,
    presenter: APP,
  }) as const;

const loggedIn: TokenFamilyEvent = {
  type: 'UserLoggedIn',
  data: { user_id: USER, family_id: FAMILY, token_id: T0, credentials_version: 0 },
};
const rotated = (from: string, to: string): TokenFamilyEvent => ({
  type: 'RefreshTokenRotated',
  data: { user_id: USER, family_id: FAMILY, token_id: to, previous_token_id: from },
});
const represented = (token: string, replaced: string, fresh: string): TokenFamilyEvent => ({
  type: 'RefreshTokenRepresented',
  data: {
    user_id: USER,
    family_id: FAMILY,
    token_id: token,
    new_token_id: fresh,
    replaced_token_id: replaced,
    client_address: APP.clientAddress,
    user_agent: APP.userAgent,
  },
});
const theft = (token: string): TokenFamilyEvent => ({
  type: 'RefreshTokenReuseDetected',
  data: { user_id: USER, family_id: FAMILY, token_id: token },
});

describe('refresh-token family: clients that do not rotate (REFRESH_TOKEN_REUSE=tolerant)', () => {
  it('the first token presented again while its successor is unused is accepted, and a new successor replaces the unused one', () => {
    family
      .given([loggedIn, rotated(T0, T1)])
      .when(rotate(T0, T2))
      .then([represented(T0, T1, T2)]);
  });

  it('the app pattern: the first token again and again, each time accepted, recording where it came from', () => {
    const history = [loggedIn, rotated(T0, T1), represented(T0, T1, T2), represented(T0, T2, T3)];
    family
      .given(history)
      .when(rotate(T0, T4))
      .then([represented(T0, T3, T4)]);
  });

  it('a client that follows rotation after re-presenting: the newest successor rotates as usual', () => {
    family
      .given([loggedIn, rotated(T0, T1), represented(T0, T1, T2)])
      .when(rotate(T2, T3))
      .then([rotated(T2, T3)]);
  });

  it('once a successor was used, the older token coming back is theft and the family is dead', () => {
    const history = [loggedIn, rotated(T0, T1), rotated(T1, T2)];
    const reuse = family
      .given(history)
      .when(rotate(T0, T3))
      .then([theft(T0)]);
    family
      .given([...history, ...reuse])
      .when(rotate(T2, T3))
      .thenThrows('token_revoked');
  });

  it('a successor replaced by a re-presentation is dead: presenting it is theft (someone else held it)', () => {
    family
      .given([loggedIn, rotated(T0, T1), represented(T0, T1, T2)])
      .when(rotate(T1, T3))
      .then([theft(T1)]);
  });

  it('a token never issued in this family is theft, as before', () => {
    family
      .given([loggedIn, rotated(T0, T1)])
      .when(rotate(T3, T4))
      .then([theft(T3)]);
  });
});

describe('refresh-token family: REFRESH_TOKEN_REUSE=strict keeps the old rule', () => {
  it('the first token presented a second time revokes the family, even while its successor is unused', () => {
    const history = [loggedIn, rotated(T0, T1)];
    const reuse = family
      .given(history)
      .when(rotate(T0, T2, 'strict'))
      .then([theft(T0)]);
    family
      .given([...history, ...reuse])
      .when(rotate(T1, T2, 'strict'))
      .thenThrows('token_revoked');
  });
});
