import { randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import jwt from 'jsonwebtoken';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import { headerKeyId, JwtKeyRing, type JwtKey, type JwtKeyMaterial, type PublicJwk } from './jwt-keys.ts';

const ISSUER = 'smarthome-cloud';

/** Seconds of clock difference tolerated between the node that signed a token and the one that verifies it. */
const CLOCK_TOLERANCE_S = 60;

/** Every token we sign has `iat` and `exp`: one without them never came from us and would never expire. */
const timeClaims = {
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  nbf: z.number().int().optional(),
};
const accessClaims = z.object({
  sub: z.string().uuid(),
  jti: z.string().max(100),
  type: z.literal('access'),
  /** Present (true) only in a staff member's token; the admin API also checks the role is still held. */
  staff: z.literal(true).optional(),
  ...timeClaims,
});
const refreshClaims = z.object({
  sub: z.string().uuid(),
  jti: z.string().uuid(),
  fam: z.string().uuid(),
  type: z.literal('refresh'),
  ...timeClaims,
});
type TimeClaims = { iat: number; exp: number; nbf?: number | undefined };
type AccessClaims = z.infer<typeof accessClaims>;

/**
 * Access tokens already verified, by their text: a client sends the same token on every call for its lifetime,
 * and the signature check, the claims parse and the lifetime check were a tenth of a list read's CPU. The same
 * text has the same signature, so the answer cannot change while the token lives; keys only change with a restart.
 */
const VERIFIED_ACCESS_TOKENS = 10_000;

export interface RefreshTokenClaims {
  userId: string;
  familyId: string;
  tokenId: string;
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * Signs and verifies JWTs (HS256 with jsonwebtoken, EdDSA with jose). The key a token's `kid` names fixes the one algorithm accepted (HS256 for a
 * secret, EdDSA for an Ed25519 key; never `none`, never a switch), and the token type is checked, so a refresh
 * token is refused where an access token is expected and vice versa.
 */
export class TokenService {
  /** The current key signs (its `kid` in the header); previous keys still verify (README "Key rotation"). */
  private readonly keys: JwtKeyRing;

  constructor(
    keys: JwtKeyMaterial,
    private readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds: number,
  ) {
    this.keys = new JwtKeyRing(keys);
  }

  get accessTtl(): number {
    return this.accessTtlSeconds;
  }

  /** The public keys other services verify our tokens with (the JWKS); empty when tokens are HS256. */
  publicKeys(): PublicJwk[] {
    return this.keys.publicJwks();
  }

  /**
   * Users whose access tokens are refused although valid (deactivated accounts), checked on every verification:
   * the API's next call and a live socket's upgrade answer 401 at once, without waiting for the token to expire.
   */
  refuseUsers(isRefused: (userId: string) => boolean): void {
    this.isRefused = isRefused;
  }

  private isRefused: (userId: string) => boolean = () => false;

  signAccess(userId: string, role: { staff?: boolean } = {}): Promise<string> {
    // A staff member's token says so (the admin API checks the role on the user stream again).
    const claims: Record<string, string | boolean> = role.staff ? { type: 'access', staff: true } : { type: 'access' };
    return this.sign(claims, userId, randomUUID(), this.accessTtlSeconds);
  }

  signRefresh(claims: RefreshTokenClaims): Promise<string> {
    return this.sign({ type: 'refresh', fam: claims.familyId }, claims.userId, claims.tokenId, this.refreshTtlSeconds);
  }

  /** The token's user, and when it expires (Unix seconds: a live socket opened with it ends then). */
  async verifyAccess(token: string): Promise<{ userId: string; expiresAt: number; staff: boolean }> {
    const claims = this.verifiedAccess.get(token) ?? (await this.verifyAccessAnew(token));
    // Expiry and deactivation are checked on every call, the cache's answers included.
    if (claims.exp <= Math.floor(Date.now() / 1000)) throw new InvalidTokenError('Token expired');
    if (this.isRefused(claims.sub)) throw new InvalidTokenError('This account is deactivated');
    return { userId: claims.sub, expiresAt: claims.exp, staff: claims.staff === true };
  }

  private readonly verifiedAccess = new LRUCache<string, AccessClaims>({ max: VERIFIED_ACCESS_TOKENS });

  private async verifyAccessAnew(token: string): Promise<AccessClaims> {
    const claims = accessClaims.safeParse(await this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not an access token');
    checkLifetime(claims.data, this.accessTtlSeconds);
    this.verifiedAccess.set(token, claims.data);
    return claims.data;
  }

  async verifyRefresh(token: string): Promise<RefreshTokenClaims> {
    const claims = refreshClaims.safeParse(await this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not a refresh token');
    checkLifetime(claims.data, this.refreshTtlSeconds);
    return { userId: claims.data.sub, familyId: claims.data.fam, tokenId: claims.data.jti };
  }

  private sign(
    payload: Record<string, string | boolean>,
    subject: string,
    jwtId: string,
    ttlSeconds: number,
  ): Promise<string> {
    const { kid, alg, key } = this.keys.signing;
    if (alg === 'HS256') {
      const options = { algorithm: alg, keyid: kid, subject, jwtid: jwtId, expiresIn: ttlSeconds, issuer: ISSUER };
      return Promise.resolve(jwt.sign(payload, key, options));
    }
    const issuedAt = Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid })
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttlSeconds)
      .setIssuer(ISSUER)
      .setSubject(subject)
      .setJti(jwtId)
      .sign(key);
  }

  private async verify(token: string): Promise<unknown> {
    const key = this.keys.verificationKey(headerKeyId(token));
    if (key === null) throw new InvalidTokenError('Invalid token');
    try {
      return await verifyWith(key, token);
    } catch (error) {
      const expired = error instanceof jwt.TokenExpiredError || error instanceof errors.JWTExpired;
      throw new InvalidTokenError(expired ? 'Token expired' : 'Invalid token');
    }
  }
}

/**
 * The claims of a token whose signature `key` verifies with the key's one algorithm. HS256 through jsonwebtoken
 * (synchronous HMAC, about ten times cheaper per request than jose's WebCrypto path on Node 20), EdDSA through jose
 * (jsonwebtoken 9 has no EdDSA).
 */
async function verifyWith(key: JwtKey, token: string): Promise<unknown> {
  if (key.alg === 'HS256') return jwt.verify(token, key.key, { algorithms: ['HS256'], issuer: ISSUER });
  return (await jwtVerify(token, key.key, { algorithms: ['EdDSA'], issuer: ISSUER })).payload;
}

/**
 * jsonwebtoken and jose check `exp` and `nbf` only when present, and neither holds `iat` against the clock. A token of ours was issued in
 * the past (within the clock tolerance) and lives no longer than the lifetime this service signs with.
 */
function checkLifetime(claims: TimeClaims, ttlSeconds: number): void {
  const now = Math.floor(Date.now() / 1000);
  if (claims.iat > now + CLOCK_TOLERANCE_S) throw new InvalidTokenError('Token issued in the future');
  if (claims.exp <= claims.iat || claims.exp - claims.iat > ttlSeconds + CLOCK_TOLERANCE_S) {
    throw new InvalidTokenError('Token lifetime is not one this service issues');
  }
  if (claims.nbf !== undefined && claims.nbf > claims.exp) throw new InvalidTokenError('Token is never valid');
}
