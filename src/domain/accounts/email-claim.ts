import type { Decider } from '../decider.ts';
import { conflict } from '../errors.ts';
import type { EmailClaimEvent } from './user-events.ts';

/**
 * Uniqueness of an e-mail: one stream per address, created with "no stream" by the first claim. Two concurrent
 * claims race on the stream's revision; the loser re-decides against the winner's claim and gets a conflict.
 */
export interface EmailClaimState {
  ownerId: string | null;
}

export type EmailClaimCommand =
  | { type: 'Claim'; userId: string }
  /** With a reason: freed by someone else, after the holder's stream was closed (userDecider's AbandonRegistration, LapseEmailClaim). */
  | {
      type: 'Release';
      userId: string;
      reason?: 'holder_never_written' | 'holder_uses_another_email' | 'holder_deleted';
    };

export const emailClaimDecider: Decider<EmailClaimCommand, EmailClaimEvent, EmailClaimState> = {
  initialState: { ownerId: null },
  evolve(state, event) {
    switch (event.type) {
      case 'EmailClaimed':
        return { ownerId: event.data.user_id };
      case 'EmailReleased':
        return state.ownerId === event.data.user_id ? { ownerId: null } : state;
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'Claim':
        if (state.ownerId === command.userId) return [];
        if (state.ownerId !== null) throw conflict('email_taken', 'An account with this e-mail already exists');
        return [{ type: 'EmailClaimed', data: { user_id: command.userId } }];
      case 'Release':
        if (state.ownerId !== command.userId) return [];
        return [
          {
            type: 'EmailReleased',
            data: { user_id: command.userId, ...(command.reason ? { reason: command.reason } : {}) },
          },
        ];
    }
  },
};
