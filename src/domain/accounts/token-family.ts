import type { Decider } from '../decider.ts';
import { conflict, DomainError } from '../errors.ts';
import type { TokenFamilyEvent } from './user-events.ts';

/** One refresh-token family: the chain of rotations that started with one login. */
export interface TokenFamilyState {
  started: boolean;
  userId: string | null;
  currentTokenId: string | null;
  credentialsVersion: number;
  revoked: boolean;
}

export type TokenFamilyCommand =
  | { type: 'Start'; userId: string; familyId: string; tokenId: string; credentialsVersion: number }
  /** `credentialsVersion` is the user's current one, read from the user's stream. */
  | { type: 'Rotate'; familyId: string; presentedTokenId: string; newTokenId: string; credentialsVersion: number }
  | { type: 'LogOut'; familyId: string };

export const tokenRevoked = () => new DomainError('unauthenticated', 'token_revoked', 'This refresh token is no longer valid');

export const tokenFamilyDecider: Decider<TokenFamilyCommand, TokenFamilyEvent, TokenFamilyState> = {
  initialState: { started: false, userId: null, currentTokenId: null, credentialsVersion: 0, revoked: false },

  evolve(state, event) {
    switch (event.type) {
      case 'UserLoggedIn':
        return {
          started: true,
          userId: event.data.user_id,
          currentTokenId: event.data.token_id,
          credentialsVersion: event.data.credentials_version,
          revoked: false,
        };
      case 'RefreshTokenRotated':
        return { ...state, currentTokenId: event.data.token_id };
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
      case 'Rotate': {
        // A password change since the family started kills it, as does logout or earlier theft.
        if (!state.started || state.revoked || state.credentialsVersion !== command.credentialsVersion) throw tokenRevoked();
        const userId = state.userId!;
        if (state.currentTokenId !== command.presentedTokenId) {
          // An already rotated token came back: someone holds a copy. Kill the family; the caller answers 401.
          return [
            {
              type: 'RefreshTokenReuseDetected',
              data: { user_id: userId, family_id: command.familyId, token_id: command.presentedTokenId },
            },
          ];
        }
        return [
          {
            type: 'RefreshTokenRotated',
            data: {
              user_id: userId,
              family_id: command.familyId,
              token_id: command.newTokenId,
              previous_token_id: command.presentedTokenId,
            },
          },
        ];
      }
      case 'LogOut':
        if (!state.started || state.revoked) return []; // logging out twice is not an error
        return [{ type: 'RefreshTokenRevoked', data: { user_id: state.userId!, family_id: command.familyId, reason: 'logout' } }];
    }
  },
};
