import type { Context, Next } from 'koa';
import { InvalidTokenError, type TokenService } from '../auth/token-service.ts';
import { unauthorized } from '../http-error.ts';

/** Requires `Authorization: Bearer <access token>`; sets `ctx.state.userId` (and `staff`). Anything else is 401. */
export function requireUser(tokens: TokenService) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('authorization');
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header);
    if (!match) throw unauthorized('not_authenticated', 'Send an access token as Authorization: Bearer <token>');
    try {
      const access = await tokens.verifyAccess(match[1]!);
      ctx.state.userId = access.userId;
      ctx.state.staff = access.staff;
    } catch (error) {
      if (error instanceof InvalidTokenError) throw unauthorized('invalid_token', error.message);
      throw error;
    }
    await next();
  };
}
