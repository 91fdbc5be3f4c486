import { createHash, createSecretKey, type KeyObject } from 'node:crypto';

/** One HS256 signing secret, named by its key id. */
export interface JwtKey {
  kid: string;
  key: KeyObject;
}

/**
 * A key id derived from the secret itself (the first 8 bytes of its SHA-256, base64url): every node computes the
 * same id from the same secret with nothing to coordinate, and the id reveals nothing usable about the secret.
 */
export function keyIdOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest().subarray(0, 8).toString('base64url');
}

function jwtKey(secret: string): JwtKey {
  // A KeyObject made once: given a string, jsonwebtoken tries to parse it as a PEM key on every call.
  return { kid: keyIdOf(secret), key: createSecretKey(Buffer.from(secret, 'utf8')) };
}

/**
 * The current secret (signs and verifies) and the previous ones (verify only, chosen by the token's `kid`), so
 * moving JWT_SECRET into JWT_PREVIOUS_SECRETS logs nobody out. A token without `kid` was issued before key ids
 * existed: it is tried with the current secret only.
 */
export class JwtKeyRing {
  readonly current: JwtKey;
  private readonly byKid: ReadonlyMap<string, JwtKey>;

  constructor(currentSecret: string, previousSecrets: readonly string[] = []) {
    this.current = jwtKey(currentSecret);
    const keys = [...previousSecrets.map(jwtKey), this.current];
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
  }

  /** The key a token names, the current key for a token that names none, null for a key we do not hold. */
  verificationKey(kid: string | undefined): KeyObject | null {
    if (kid === undefined) return this.current.key;
    return this.byKid.get(kid)?.key ?? null;
  }
}

/** The `kid` in a compact JWS header; undefined when absent (or when the header is not JSON: verify refuses it). */
export function headerKeyId(token: string): string | undefined {
  const dot = token.indexOf('.');
  if (dot <= 0 || dot > 2048) return undefined;
  try {
    const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'));
    if (typeof header !== 'object' || header === null) return undefined;
    const kid = (header as { kid?: unknown }).kid;
    return typeof kid === 'string' ? kid : undefined;
  } catch {
    return undefined;
  }
}
