import { conflict } from '../errors.ts';
import { holderGraceHasPassed, holderIsReal, holderWithinGrace } from '../holder-grace.ts';
import type { UserEvent } from './user-events.ts';

/**
 * The user-stream side of freeing an e-mail claim its holder does not use (a crash between the appends of a
 * registration or an e-mail change). The holder's own stream is closed against the late write first, with the
 * stream's revision, so the writer still on its way and the one freeing the claim cannot both win.
 */
interface HolderView {
  registered: boolean;
  abandoned: boolean;
  email: string;
  lapsedClaims: readonly string[];
}

/** A claim is named by its address and the revision of the claim stream it was seen at. */
export const claimKey = (email: string, claimRevision: number) => `${claimRevision}:${email}`;

/** A registration that claimed an address and never wrote its user: the id is closed for good. */
export function decideAbandonRegistration(
  state: HolderView,
  command: { userId: string; claimedAt: Date; now: Date; graceMs: number },
): UserEvent[] {
  if (state.registered) throw holderIsReal();
  if (state.abandoned) return [];
  if (!holderGraceHasPassed(command.claimedAt, command.now, command.graceMs)) throw holderWithinGrace();
  return [{ type: 'UserRegistrationAbandoned', data: { user_id: command.userId } }];
}

/**
 * An existing user holds a claim on an address that is not (or no longer) theirs: an e-mail change that died
 * before recording the change, or before releasing the old address. This claim (address and claim revision)
 * lapses: an e-mail change still on its way with it is refused.
 */
export function decideLapseEmailClaim(
  state: HolderView & { userId: string | null },
  command: { email: string; claimRevision: number; claimedAt: Date; now: Date; graceMs: number },
): UserEvent[] {
  if (!state.registered || state.userId === null || state.email === command.email) throw holderIsReal();
  if (state.lapsedClaims.includes(claimKey(command.email, command.claimRevision))) return [];
  if (!holderGraceHasPassed(command.claimedAt, command.now, command.graceMs)) throw holderWithinGrace();
  return [
    {
      type: 'UserEmailClaimLapsed',
      data: { user_id: state.userId, email: command.email, claim_revision: command.claimRevision },
    },
  ];
}

/** An e-mail change whose claim lapsed meanwhile may not record the address: someone else may hold it now. */
export function requireClaimNotLapsed(state: HolderView, email: string, claimRevision: number): void {
  if (state.lapsedClaims.includes(claimKey(email, claimRevision))) {
    throw conflict('email_claim_lapsed', 'This e-mail change took too long and was given up; try again');
  }
}
