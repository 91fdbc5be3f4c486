import { conflict } from './errors.ts';

/**
 * Multi-stream writes take a claim (an e-mail, a home's gateway slot, a pairing code) for a holder that writes
 * its own first event right after. A crash in between leaves a claim whose holder never wrote anything. Such a
 * claim is freed once it is older than a grace period — long enough that a live writer has either written its
 * holder or given up. The decision is taken here, on times read from the streams (never from a read model).
 */
export function holderGraceHasPassed(claimedAt: Date, now: Date, graceMs: number): boolean {
  return now.getTime() - claimedAt.getTime() >= graceMs;
}

/** The holder may still be on its way: the claim stands (the caller answers with its own conflict). */
export const holderWithinGrace = () =>
  conflict('holder_within_grace', 'The claim is recent and its holder may still be writing; try again shortly');

/** The holder wrote its events: the claim is real. */
export const holderIsReal = () => conflict('holder_is_real', 'The claim belongs to a holder that exists');
