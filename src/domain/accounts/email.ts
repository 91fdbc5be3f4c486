import { createHash } from 'node:crypto';

/** Trim and lower-case: the form stored, compared and claimed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The claim stream of an e-mail: a digest, so no address appears in a stream name. */
export function emailClaimStream(normalisedEmail: string): string {
  return `email-${createHash('sha256').update(normalisedEmail).digest('hex')}`;
}

export const userStream = (userId: string) => `user-${userId}`;

export const tokenFamilyStream = (familyId: string) => `refresh_family-${familyId}`;
