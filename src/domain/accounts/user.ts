import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import type { UserEvent } from './user-events.ts';

export interface UserState {
  registered: boolean;
  userId: string | null;
  email: string;
  name: string;
  passwordHash: string;
  /** Password changes so far: token families started under an older version are dead. */
  credentialsVersion: number;
}

export type UserCommand =
  | { type: 'Register'; userId: string; email: string; name: string; passwordHash: string }
  | { type: 'UpdateProfile'; name: string }
  | { type: 'ChangeEmail'; email: string }
  | { type: 'ChangePassword'; passwordHash: string };

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: { registered: false, userId: null, email: '', name: '', passwordHash: '', credentialsVersion: 0 },

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
        return { ...state, passwordHash: event.data.password_hash, credentialsVersion: state.credentialsVersion + 1 };
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
      ];
    }
    if (!state.registered || state.userId === null) throw notFound('user_not_found', 'No such user');
    const userId = state.userId;
    switch (command.type) {
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
