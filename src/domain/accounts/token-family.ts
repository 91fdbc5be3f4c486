import type { Decider } from '../decider.ts';
import { conflict, DomainError } from '../errors.ts';
import type { TokenFamilyEvent } from './user-events.ts';

/**
 * How a family treats a token presented again after it was rotated. `strict`: always theft (the family dies).
 * `tolerant` (the default): clients that keep presenting the token they hold and ignore the rotated one (the
 * field app stores only `access`) stay signed in, as long as the rotated successor was never presented.
 */
export type RefreshTokenReuse = 'tolerant' | 'strict';
export const REFRESH_TOKEN_REUSE_MODES = ['tolerant', 'strict'] as const satisfies readonly RefreshTokenReuse[];

/** One refresh-token family: the chain of rotations that started with one login. */
export interface TokenFamilyState {
  started: boolean;
  userId: string | null;
  /** The newest token issued: the only one a rotating client presents. */
  currentTokenId: string | null;
  /**
   * The token whose presentation issued `currentTokenId` (null until the first refresh). While the current token
   * has never been presented, this one may be presented again in tolerant mode.
   */
  lastPresentedTokenId: string | null;
  credentialsVersion: number;
  revoked: boolean;
}

/** Where a re-presentation came from, recorded on its event. */
export interface Presenter {
  clientAddress: string | null;
  userAgent: string | null;
}

export type TokenFamilyCommand =
  | { type: 'Start'; userId: string; familyId: string; tokenId: string; credentialsVersion: number }
  /** `credentialsVersion` is the user's current one, read from the user's stream. */
  | {
      type: 'Rotate';
      familyId: string;
      presentedTokenId: string;
      newTokenId: string;
      credentialsVersion: number;
      reuse: RefreshTokenReuse;
      presenter: Presenter;
    }
  | { type: 'LogOut'; familyId: string };

export const tokenRevoked = () =>
  new DomainError('unauthenticated', 'token_revoked', 'This refresh token is no longer valid');

/** The longest user agent a re-presentation event keeps (the request context already cuts it to this). */
export const MAX_PRESENTER_USER_AGENT = 512;
export const MAX_PRESENTER_ADDRESS = 100;

export const tokenFamilyDecider: Decider<TokenFamilyCommand, TokenFamilyEvent, TokenFamilyState> = {
  initialState: {
    started: false,
    userId: null,
    currentTokenId: null,
    lastPresentedTokenId: null,
    credentialsVersion: 0,
    revoked: false,
  },

  evolve(state, event) {
    switch (event.type) {
      case 'UserLoggedIn':
        return {
          started: true,
          userId: event.data.user_id,
          currentTokenId: event.data.token_id,
          lastPresentedTokenId: null,
          credentialsVersion: event.data.credentials_version,
          revoked: false,
        };
      case 'RefreshTokenRotated':
        return { ...state, currentTokenId: event.data.token_id, lastPresentedTokenId: event.data.previous_token_id };
      case 'RefreshTokenRepresented':
        // The unused successor is replaced; the token presented stays the one that may come back.
        return { ...state, currentTokenId: event.data.new_token_id };
      case 'RefreshTokenReuseDetected':
      case 'RefreshTokenRevoked':
        return { ...state, revoked: true };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'Start':
        if (state.started) throw conflict('family_exists', 'This token family already exists');
        return [
          {
            type: 'UserLoggedIn',
            data: {
              user_id: command.userId,
              family_id: command.familyId,
              token_id: command.tokenId,
              credentials_version: command.credentialsVersion,
            },
          },
        ];
      case 'Rotate':
        return decideRotation(command, state);
      case 'LogOut':
        if (!state.started || state.revoked) return []; // logging out twice is not an error
        return [
          {
            type: 'RefreshTokenRevoked',
            data: { user_id: state.userId!, family_id: command.familyId, reason: 'logout' },
          },
        ];
    }
  },
};

function decideRotation(
  command: Extract<TokenFamilyCommand, { type: 'Rotate' }>,
  state: TokenFamilyState,
): TokenFamilyEvent[] {
  // A password change since the family started kills it, as does logout or earlier theft.
  if (!state.started || state.revoked || state.credentialsVersion !== command.credentialsVersion) throw tokenRevoked();
  const userId = state.userId!;
  const { familyId, presentedTokenId, newTokenId } = command;
  if (state.currentTokenId === presentedTokenId) {
    return [
      {
        type: 'RefreshTokenRotated',
        data: { user_id: userId, family_id: familyId, token_id: newTokenId, previous_token_id: presentedTokenId },
      },
    ];
  }
  // The current token was issued for the presented one and never presented itself (presenting it would have made
  // it the last presented): a client ignoring rotation, or one retrying a refresh whose answer it lost.
  if (command.reuse === 'tolerant' && state.lastPresentedTokenId === presentedTokenId) {
    return [
      {
        type: 'RefreshTokenRepresented',
        data: {
          user_id: userId,
          family_id: familyId,
          token_id: presentedTokenId,
          new_token_id: newTokenId,
          replaced_token_id: state.currentTokenId!,
          client_address: command.presenter.clientAddress?.slice(0, MAX_PRESENTER_ADDRESS) ?? null,
          user_agent: command.presenter.userAgent?.slice(0, MAX_PRESENTER_USER_AGENT) ?? null,
        },
      },
    ];
  }
  // An older token came back after its successor was used (or in strict mode, at all): someone holds a copy.
  // Kill the family; the caller answers 401.
  return [
    { type: 'RefreshTokenReuseDetected', data: { user_id: userId, family_id: familyId, token_id: presentedTokenId } },
  ];
}
