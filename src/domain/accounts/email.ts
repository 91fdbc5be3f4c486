import { createHash, createHmac, hkdfSync } from 'node:crypto';

/** Trim and lower-case: the form stored, compared and claimed. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The HKDF label of the claim-stream key: unrelated to the data-key wrapping key derived from the same secret. */
const CLAIM_KEY_LABEL = 'email-claim-stream';
const LEGACY_CLAIM_STREAM = /^email-([0-9a-f]{64})$/;

const digestOf = (normalisedEmail: string) => createHash('sha256').update(normalisedEmail).digest('hex');

/**
 * The names of an address's claim streams. Keyed: `email-k1-<HMAC-SHA256(claim key, sha256(address))>`, the claim
 * key derived from DATA_KEY_SECRET, so a stream name tells nobody without the secret which address it is (an
 * erased person's address cannot be confirmed by hashing guesses). Legacy: `email-<sha256(address)>`, what logs
 * written before the key hold; read (and released) only, never claimed again (commands/accounts/email-claims.ts).
 * The key goes over the legacy digest, so `reseal-events` renames a legacy stream without knowing its address.
 */
export class EmailClaimStreams {
  private constructor(private readonly key: Buffer) {}

  static fromSecret(dataKeySecret: string): EmailClaimStreams {
    return new EmailClaimStreams(
      Buffer.from(hkdfSync('sha256', dataKeySecret, 'smarthome-cloud', CLAIM_KEY_LABEL, 32)),
    );
  }

  keyed(normalisedEmail: string): string {
    return this.keyedFromDigest(digestOf(normalisedEmail));
  }

  legacy(normalisedEmail: string): string {
    return legacyEmailClaimStream(normalisedEmail);
  }

  /** The keyed name of a legacy claim stream; null for any other stream (a keyed one included). */
  keyedNameOfLegacy(stream: string): string | null {
    const digest = LEGACY_CLAIM_STREAM.exec(stream)?.[1];
    return digest === undefined ? null : this.keyedFromDigest(digest);
  }

  private keyedFromDigest(digest: string): string {
    return `email-k1-${createHmac('sha256', this.key).update(digest).digest('hex')}`;
  }
}

/** The claim stream name logs written before claim streams were keyed use: an unkeyed digest of the address. */
export function legacyEmailClaimStream(normalisedEmail: string): string {
  return `email-${digestOf(normalisedEmail)}`;
}

export const userStream = (userId: string) => `user-${userId}`;

export const tokenFamilyStream = (familyId: string) => `refresh_family-${familyId}`;
