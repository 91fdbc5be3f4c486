import type { Decider } from '../decider.ts';
import { conflict, DomainError, notFound } from '../errors.ts';
import type { UserEvent } from './user-events.ts';

interface TokenFamily {
  currentTokenId: string;
  revoked: boolean;
}

export interface UserState {
  registered: boolean;
  userId: string | null;
  email: string;
  name: string;
  passwordHash: string;
  families: Record<string, TokenFamily>;
}

export type UserCommand =
  | { type: 'Register'; userId: string; email: string; name: string; passwordHash: string; familyId: string; tokenId: string }
  | { type: 'LogIn'; familyId: string; tokenId: string }
  | { type: 'RotateRefreshToken'; familyId: string; presentedTokenId: string; newTokenId: string }
  | { type: 'LogOut'; familyId: string; presentedTokenId: string }
  | { type: 'UpdateProfile'; name: string }
  | { type: 'ChangeEmail'; email: string }
  | { type: 'ChangePassword'; passwordHash: string };

export const tokenRevoked = () => new DomainError('unauthenticated', 'token_revoked', 'This refresh token is no longer valid');

function requireRegistered(state: UserState): string {
  if (!state.registered || state.userId === null) throw notFound('user_not_found', 'No such user');
  return state.userId;
}

function activeFamily(state: UserState, familyId: string): TokenFamily {
  const family = state.families[familyId];
  if (!family || family.revoked) throw tokenRevoked();
  return family;
}

const revokeAll = (families: Record<string, TokenFamily>) =>
  Object.fromEntries(Object.entries(families).map(([id, family]) => [id, { ...family, revoked: true }]));

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: { registered: false, userId: null, email: '', name: '', passwordHash: '', families: {} },

  evolve(state, event) {
    switch (event.type) {
      case 'UserRegistered':
        return {
          ...state,
          registered: true,
          userId: event.data.user_id,
          email: event.data.email,
          name: event.data.name,
          passwordHash: event.data.password_hash,
        };
      case 'UserProfileUpdated':
        return { ...state, name: event.data.name };
      case 'UserEmailChanged':
        return { ...state, email: event.data.email };
      case 'UserPasswordChanged':
        // Every refresh token issued before the change dies with it.
        return { ...state, passwordHash: event.data.password_hash, families: revokeAll(state.families) };
      case 'UserLoggedIn':
        return {
          ...state,
          families: { ...state.families, [event.data.family_id]: { currentTokenId: event.data.token_id, revoked: false } },
        };
      case 'RefreshTokenRotated':
        return {
          ...state,
          families: { ...state.families, [event.data.family_id]: { currentTokenId: event.data.token_id, revoked: false } },
        };
      case 'RefreshTokenReuseDetected':
      case 'RefreshTokenRevoked': {
        const family = state.families[event.data.family_id];
        if (!family) return state;
        return { ...state, families: { ...state.families, [event.data.family_id]: { ...family, revoked: true } } };
      }
    }
  },

  decide(command, state) {
    if (command.type === 'Register') {
      if (state.registered) throw conflict('user_exists', 'This user is already registered');
      return [
        {
          type: 'UserRegistered',
          data: { user_id: command.userId, email: command.email, name: command.name, password_hash: command.passwordHash },
        },
        { type: 'UserLoggedIn', data: { user_id: command.userId, family_id: command.familyId, token_id: command.tokenId } },
      ];
    }
    const userId = requireRegistered(state);
    switch (command.type) {
      case 'LogIn':
        return [{ type: 'UserLoggedIn', data: { user_id: userId, family_id: command.familyId, token_id: command.tokenId } }];
      case 'RotateRefreshToken': {
        const family = activeFamily(state, command.familyId);
        if (family.currentTokenId !== command.presentedTokenId) {
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
      case 'LogOut': {
        const family = state.families[command.familyId];
        if (!family || family.revoked) return []; // logging out twice is not an error
        return [{ type: 'RefreshTokenRevoked', data: { user_id: userId, family_id: command.familyId, reason: 'logout' } }];
      }
      case 'UpdateProfile':
        return command.name === state.name ? [] : [{ type: 'UserProfileUpdated', data: { user_id: userId, name: command.name } }];
      case 'ChangeEmail':
        return command.email === state.email
          ? []
          : [{ type: 'UserEmailChanged', data: { user_id: userId, email: command.email, previous_email: state.email } }];
      case 'ChangePassword':
        return [{ type: 'UserPasswordChanged', data: { user_id: userId, password_hash: command.passwordHash } }];
    }
  },
};
