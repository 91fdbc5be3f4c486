import type { Decider } from '../decider.ts';
import { conflict, notFound } from '../errors.ts';
import {
  claimKey,
  decideAbandonRegistration,
  decideLapseEmailClaim,
  requireClaimNotLapsed,
} from './abandoned-email-claims.ts';
import { dataKeyIdOf } from '../privacy/erasure-events.ts';
import type { StaffEvent } from './staff-events.ts';
import type { UserEvent as AccountEvent } from './user-events.ts';

/** Everything on a user's stream: the account's own events and the staff administration ones. */
export type UserEvent = AccountEvent | StaffEvent;

export interface UserState {
  registered: boolean;
  /** The account was deleted: its personal data is erased and it accepts no command. */
  deleted: boolean;
  /** The registration claimed an e-mail for this id and never wrote the user: the id can never register. */
  abandoned: boolean;
  userId: string | null;
  email: string;
  name: string;
  passwordHash: string;
  /** Password changes so far: token families started under an older version are dead. */
  credentialsVersion: number;
  /** Claims this user held without using them, freed by others (`claimKey`): a late e-mail change with one fails. */
  lapsedClaims: readonly string[];
  /** Given and taken by an operator (CLI); see staff-administration.ts. */
  staff: boolean;
  /** Deactivated by staff: no login, no refresh, no API call until reactivated. */
  deactivated: boolean;
}

export type UserCommand =
  | { type: 'Register'; userId: string; email: string; name: string; passwordHash: string }
  | { type: 'UpdateProfile'; name: string }
  /** `claimRevision`: the claim stream's revision after this change's claim (see LapseEmailClaim). */
  | { type: 'ChangeEmail'; email: string; claimRevision: number }
  | { type: 'ChangePassword'; passwordHash: string }
  /** The person leaves: the account is closed and their data key destroyed (the use case checked the password). */
  | { type: 'DeleteAccount' }
  /**
   * Recorded by whoever meets an e-mail claim held by this id while the id has no user: after the grace period
   * (counted from `claimedAt`, the claim's time) the id is closed, so a registration still on its way cannot
   * write the user after the claim was freed.
   */
  | { type: 'AbandonRegistration'; userId: string; claimedAt: Date; now: Date; graceMs: number }
  /** Recorded by whoever meets a claim this (registered) user holds on another address than theirs, past the grace. */
  | { type: 'LapseEmailClaim'; email: string; claimRevision: number; claimedAt: Date; now: Date; graceMs: number };

export const userDecider: Decider<UserCommand, UserEvent, UserState> = {
  initialState: {
    registered: false,
    deleted: false,
    abandoned: false,
    userId: null,
    email: '',
    name: '',
    passwordHash: '',
    credentialsVersion: 0,
    lapsedClaims: [],
    staff: false,
    deactivated: false,
  },

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
      case 'UserRegistrationAbandoned':
        return { ...state, abandoned: true, userId: event.data.user_id };
      case 'UserEmailClaimLapsed':
        return {
          ...state,
          lapsedClaims: [...state.lapsedClaims, claimKey(event.data.email, event.data.claim_revision)],
        };
      case 'UserAccountDeleted':
        // A credentials change too: every token family started before is dead.
        return { ...state, deleted: true, credentialsVersion: state.credentialsVersion + 1 };
      case 'PersonalDataErased':
        // The values themselves read "[erased]" from the log from now on; nothing to change here.
        return state;
      case 'StaffRoleGranted':
        return { ...state, staff: true };
      case 'StaffRoleRevoked':
        return { ...state, staff: false };
      case 'UserDeactivated':
        // Every token family started before it is dead, as after a password change.
        return { ...state, deactivated: true, credentialsVersion: state.credentialsVersion + 1 };
      case 'UserReactivated':
        return { ...state, deactivated: false };
    }
  },

  decide(command, state) {
    if (command.type === 'AbandonRegistration') return decideAbandonRegistration(state, command);
    if (command.type === 'LapseEmailClaim') return decideLapseEmailClaim(state, command);
    if (command.type === 'Register') {
      if (state.registered) throw conflict('user_exists', 'This user is already registered');
      if (state.abandoned)
        throw conflict('registration_abandoned', 'This registration took too long and was given up; try again');
      return [
        {
          type: 'UserRegistered',
          data: {
            user_id: command.userId,
            email: command.email,
            name: command.name,
            password_hash: command.passwordHash,
          },
        },
      ];
    }
    if (!state.registered || state.deleted || state.userId === null) throw notFound('user_not_found', 'No such user');
    const userId = state.userId;
    switch (command.type) {
      case 'UpdateProfile':
        return command.name === state.name
          ? []
          : [{ type: 'UserProfileUpdated', data: { user_id: userId, name: command.name } }];
      case 'ChangeEmail':
        requireClaimNotLapsed(state, command.email, command.claimRevision);
        return command.email === state.email
          ? []
          : [
              {
                type: 'UserEmailChanged',
                data: { user_id: userId, email: command.email, previous_email: state.email },
              },
            ];
      case 'ChangePassword':
        return [{ type: 'UserPasswordChanged', data: { user_id: userId, password_hash: command.passwordHash } }];
      case 'DeleteAccount':
        return [
          { type: 'UserAccountDeleted', data: { user_id: userId } },
          {
            type: 'PersonalDataErased',
            data: { key_ids: [dataKeyIdOf('user', userId)], reason: 'account_deleted', user_id: userId },
          },
        ];
    }
  },
};
