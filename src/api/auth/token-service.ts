import { createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';

const ALGORITHM = 'HS256';
const ISSUER = 'smarthome-cloud';

const accessClaims = z.object({ sub: z.string().uuid(), jti: z.string(), type: z.literal('access') });
const refreshClaims = z.object({ sub: z.string().uuid(), jti: z.string().uuid(), fam: z.string().uuid(), type: z.literal('refresh') });

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
  /**
   * A KeyObject made once. Given a string, jsonwebtoken first tries to parse it as a PEM public key on every
   * sign and verify (and catches the failure): that attempt was a fifth of the CPU of an authenticated GET.
   */
  private readonly secret: KeyObject;

  constructor(
    secret: string,
    private readonly accessTtlSeconds: number,
    private readonly refreshTtlSeconds: number,
  ) {
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  get accessTtl(): number {
    return this.accessTtlSeconds;
  }

  signAccess(userId: string): string {
    return jwt.sign({ type: 'access' }, this.secret, {
      algorithm: ALGORITHM,
      subject: userId,
      jwtid: randomUUID(),
      expiresIn: this.accessTtlSeconds,
      issuer: ISSUER,
    });
  }

  signRefresh(claims: RefreshTokenClaims): string {
    return jwt.sign({ type: 'refresh', fam: claims.familyId }, this.secret, {
      algorithm: ALGORITHM,
      subject: claims.userId,
      jwtid: claims.tokenId,
      expiresIn: this.refreshTtlSeconds,
      issuer: ISSUER,
    });
  }

  verifyAccess(token: string): { userId: string } {
    const claims = accessClaims.safeParse(this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not an access token');
    return { userId: claims.data.sub };
  }

  verifyRefresh(token: string): RefreshTokenClaims {
    const claims = refreshClaims.safeParse(this.verify(token));
    if (!claims.success) throw new InvalidTokenError('Not a refresh token');
    return { userId: claims.data.sub, familyId: claims.data.fam, tokenId: claims.data.jti };
  }

  private verify(token: string): unknown {
    try {
      return jwt.verify(token, this.secret, { algorithms: [ALGORITHM], issuer: ISSUER });
    } catch (error) {
      throw new InvalidTokenError(error instanceof jwt.TokenExpiredError ? 'Token expired' : 'Invalid token');
    }
  }
}
