import { createHash, createHmac, hkdfSync } from 'node:crypto';

/** Trim and lower-case: the form stored, compared and claimed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The HKDF label of the claim-stream key: unrelated to the data-key wrapping key derived from the same secret. */
const CLAIM_KEY_LABEL = 'email-claim-stream';

/**
 * The names of an address's claim streams. Keyed: `email-<HMAC-SHA256(claim key, address)>`, the claim key
 * derived from DATA_KEY_SECRET, so a stream name tells nobody without the secret which address it is (an erased
 * person's address cannot be confirmed by hashing guesses). Legacy: `email-<sha256(address)>`, what logs written
 * before the key hold; read (and released) only, never claimed again (see commands/accounts/email-claims.ts).
 */
export class EmailClaimStreams {
  private constructor(private readonly key: Buffer) {}

  static fromSecret(dataKeySecret: string): EmailClaimStreams {
    return new EmailClaimStreams(
      Buffer.from(hkdfSync('sha256', dataKeySecret, 'smarthome-cloud', CLAIM_KEY_LABEL, 32)),
    );
  }

  keyed(normalisedEmail: string): string {
    return `email-${createHmac('sha256', this.key).update(normalisedEmail).digest('hex')}`;
  }

  legacy(normalisedEmail: string): string {
    return legacyEmailClaimStream(normalisedEmail);
  }
}

/** The claim stream name logs written before claim streams were keyed use: an unkeyed digest of the address. */
export function legacyEmailClaimStream(normalisedEmail: string): string {
  return `email-${createHash('sha256').update(normalisedEmail).digest('hex')}`;
}

export const userStream = (userId: string) => `user-${userId}`;

export const tokenFamilyStream = (familyId: string) => `refresh_family-${familyId}`;
