import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { headerKeyId, JwtKeyRing } from './jwt-keys.ts';

const ALGORITHM = 'HS256';
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

export interface RefreshTokenClaims {
  userId: string;
  familyId: string;
  tokenId: string;
}

export class InvalidTokenError extends Error {
  override readonly name = 'InvalidTokenError';
}

/**
 * Signs and verifies JWTs. Verification pins HS256 (never `none`, never an algorithm switch) and the token type,
 * so a refresh token is refused where an access token is expected and vice versa.
 */
export class TokenService {
  /** The current secret signs (its `kid` in the header); previous secrets still verify (README "Key rotation"). */
  private readonly keys: JwtKeyRing;

  constructor(
    secret: string,
    private readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds: number,
    previousSecrets: readonly string[] = [],
  ) {
    this.keys = new JwtKeyRing(secret, previousSecrets);
  }

  get accessTtl(): number {
    return this.accessTtlSeconds;
  }

  /**
   * Users whose access tokens are refused although valid (deactivated accounts), checked on every verification:
   * the API's next call and a live socket's upgrade answer 401 at once, without waiting for the token to expire.
   */
  refuseUsers(isRefused: (userId: string) => boolean): void {
    this.isRefused = isRefused;
  }

  private isRefused: (userId: string) => boolean = () => false;

  signAccess(userId: string, role: { staff?: boolean } = {}): string {
    const claims = role.staff ? { type: 'access', staff: true } : { type: 'access' };
    return jwt.sign(claims, this.keys.current.key, {
      algorithm: ALGORITHM,
      keyid: this.keys.current.kid,
      subject: userId,
      jwtid: randomUUID(),
      expiresIn: this.accessTtlSeconds,
      issuer: ISSUER,
    });
  }

  signRefresh(claims: RefreshTokenClaims): string {
    return jwt.sign({ type: 'refresh', fam: claims.familyId }, this.keys.current.key, {
      algorithm: ALGORITHM,
      keyid: this.keys.current.kid,
      subject: claims.userId,
      jwtid: claims.tokenId,
      expiresIn: this.refreshTtlSeconds,
      issuer: ISSUER,
    });
  }

  /** The token's user, and when it expires (Unix seconds: a live socket opened with it ends then). */
  verifyAccess(token: string): { userId: string; expiresAt: number; staff: boolean } {
    const claims = accessClaims.safeParse(this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not an access token');
    checkLifetime(claims.data, this.accessTtlSeconds);
    if (this.isRefused(claims.data.sub)) throw new InvalidTokenError('This account is deactivated');
    return { userId: claims.data.sub, expiresAt: claims.data.exp, staff: claims.data.staff === true };
  }

  verifyRefresh(token: string): RefreshTokenClaims {
    const claims = refreshClaims.safeParse(this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not a refresh token');
    checkLifetime(claims.data, this.refreshTtlSeconds);
    return { userId: claims.data.sub, familyId: claims.data.fam, tokenId: claims.data.jti };
  }

  private verify(token: string): unknown {
    const key = this.keys.verificationKey(headerKeyId(token));
    if (key === null) throw new InvalidTokenError('Invalid token');
    try {
      return jwt.verify(token, key, { algorithms: [ALGORITHM], issuer: ISSUER });
    } catch (error) {
      throw new InvalidTokenError(error instanceof jwt.TokenExpiredError ? 'Token expired' : 'Invalid token');
    }
  }
}

/**
 * jsonwebtoken checks `exp` and `nbf` only when present and never looks at `iat`. A token of ours was issued in
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
