import { createHash, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';

/** The algorithms this service signs with: HS256 (a shared secret) or EdDSA (Ed25519, verifiable by others). */
export type JwtAlgorithm = 'HS256' | 'EdDSA';

/** A key named by its key id, bound to the one algorithm it may be used with. */
export interface JwtKey {
  kid: string;
  alg: JwtAlgorithm;
  /** The secret (HS256), the private key (EdDSA signing) or the public key (EdDSA verification). */
  key: KeyObject;
}

/** An Ed25519 public key as a JWKS lists it (RFC 8037). */
export interface PublicJwk {
  kty: 'OKP';
  crv: 'Ed25519';
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}

/** Everything the ring is built from: JWT_SECRET and JWT_PREVIOUS_SECRETS, and optionally the Ed25519 keys. */
export interface JwtKeyMaterial {
  secret: string;
  previousSecrets?: readonly string[];
  /** When present the private key signs (EdDSA); the previous public keys verify and are published. */
  ed25519?: { privateKey: KeyObject; previousPublicKeys: readonly KeyObject[] };
}

/**
 * A key id derived from the secret itself (the first 8 bytes of its SHA-256, base64url): every node computes the
 * same id from the same secret with nothing to coordinate, and the id reveals nothing usable about the secret.
 */
export function keyIdOf(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest().subarray(0, 8).toString('base64url');
}

/**
 * The RFC 7638 thumbprint of an Ed25519 public key: SHA-256 of its required JWK members in lexicographic order
 * without whitespace. Any JWKS consumer can recompute it, and every node derives the same id from the same key.
 */
export function ed25519KeyId(publicKey: KeyObject): string {
  const { x } = publicKey.export({ format: 'jwk' });
  return createHash('sha256')
    .update(JSON.stringify({ crv: 'Ed25519', kty: 'OKP', x }), 'utf8')
    .digest('base64url');
}

function secretKey(secret: string): JwtKey {
  // A KeyObject made once, not a string parsed on every call.
  return { kid: keyIdOf(secret), alg: 'HS256', key: createSecretKey(Buffer.from(secret, 'utf8')) };
}

function publicKey(key: KeyObject): JwtKey {
  const verifying = key.type === 'private' ? createPublicKey(key) : key;
  return { kid: ed25519KeyId(verifying), alg: 'EdDSA', key: verifying };
}

/**
 * The signing key and every key that still verifies, chosen by the token's `kid`. The signing key is the Ed25519
 * private key when one is configured, JWT_SECRET otherwise. Previous secrets and previous public keys verify only,
 * so a rotation (or the switch from HS256 to EdDSA) logs nobody out. Each key verifies only its own algorithm: an
 * HS256 token naming an Ed25519 kid (the public key used as an HMAC secret) is refused. A token without `kid` was
 * issued before key ids existed: it is tried with JWT_SECRET only.
 */
export class JwtKeyRing {
  readonly signing: JwtKey;
  private readonly legacy: JwtKey;
  private readonly byKid: ReadonlyMap<string, JwtKey>;
  private readonly published: readonly JwtKey[];

  constructor(material: JwtKeyMaterial) {
    this.legacy = secretKey(material.secret);
    const secrets = [...(material.previousSecrets ?? []).map(secretKey), this.legacy];
    const ed25519 = material.ed25519;
    const current = ed25519 ? publicKey(ed25519.privateKey) : null;
    this.published = [...(current ? [current] : []), ...(ed25519?.previousPublicKeys ?? []).map(publicKey)];
    this.signing = ed25519 && current ? { ...current, key: ed25519.privateKey } : this.legacy;
    // Public keys last: a kid shared by a secret and a public key (never in practice: 11 vs 43 characters) would
    // name the public key, which cannot sign HS256.
    this.byKid = new Map([...secrets, ...this.published].map((key) => [key.kid, key]));
  }

  /** The key a token names, JWT_SECRET for a token that names none, null for a key we do not hold. */
  verificationKey(kid: string | undefined): JwtKey | null {
    if (kid === undefined) return this.legacy;
    return this.byKid.get(kid) ?? null;
  }

  /** The Ed25519 public keys (current first), as a JWKS lists them; never a secret. Empty without EdDSA. */
  publicJwks(): PublicJwk[] {
    return this.published.map(({ kid, key }) => ({
      kty: 'OKP',
      crv: 'Ed25519',
      x: key.export({ format: 'jwk' }).x!,
      kid,
      alg: 'EdDSA',
      use: 'sig',
    }));
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
