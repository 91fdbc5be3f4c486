import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { TokenService } from '../auth/token-service.ts';
import { HttpError } from '../http-error.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/**
 * Five minutes: a consumer that caches this long sees a new key that soon, and consumers that refetch on an unknown
 * `kid` (jose's createRemoteJWKSet) see it at once. README "Key rotation" stages a new key for the others.
 */
const MAX_AGE_S = 300;

/**
 * `GET /.well-known/jwks.json`: the Ed25519 public keys tokens are verified with (the signing key first, then the
 * previous ones), for services that verify our tokens themselves. 404 while tokens are HS256: a shared secret is
 * never published. Cacheable, with an ETag so a revalidation costs a 304.
 */
export function jwksRoutes(tokens: TokenService): Router {
  const router = caseSensitiveRouter();
  const keys = tokens.publicKeys();
  const body = JSON.stringify({ keys });
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  router.get('/.well-known/jwks.json', (ctx: Context) => {
    if (keys.length === 0) {
      throw new HttpError(
        404,
        'not_found',
        'No public keys: tokens are signed with a shared secret (HS256); set JWT_PRIVATE_KEY_FILE to publish them',
      );
    }
    ctx.set('Cache-Control', `public, max-age=${MAX_AGE_S}`);
    ctx.remove('Pragma');
    ctx.set('ETag', etag);
    if (matchesEtag(ctx.get('if-none-match'), etag)) {
      ctx.status = 304;
      return;
    }
    ctx.type = 'application/jwk-set+json';
    ctx.body = body;
  });
  return router;
}

/**
 * If-None-Match by weak comparison (RFC 9110 13.1.2). Not Koa's `ctx.fresh`: that answers "stale" whenever the
 * request says `Cache-Control: no-cache`, which fetch() adds to every conditional request.
 */
function matchesEtag(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === etag);
}
