import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { DomainError } from '../../domain/errors.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError, rateLimited } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { uuid } from '../path-params.ts';
import { validate } from '../validation.ts';
import { provisionedBody } from './gateway-body.ts';
import { gatewayName } from './gateway-routes.ts';

const requestBody = z.object({ home_id: uuid.optional(), name: gatewayName.optional() });
const completeBody = z.object({ code: z.string().trim().min(1).max(32), home_id: uuid.optional(), name: gatewayName.optional() });

/**
 * Pairing: the phone asks for a code (`request-pairing`, user token); the gateway redeems it without one
 * (`complete-pairing`) and gets its secret directly. Failed redemptions are rate-limited per client address.
 */
export function pairingRoutes(deps: ApiDependencies): Router {
  const router = new Router({ prefix: '/api/gateways' });

  router.post('/request-pairing', requireUser(deps.tokens), async (ctx: Context) => {
    const body = validate(requestBody, ctx.request.body);
    const requested = await deps.pairing.request(ctx.state.userId as string, { homeId: body.home_id, name: body.name }, commandContext(ctx));
    await deps.settle(requested.write);
    ctx.status = 201;
    ctx.body = { code: requested.code, expires_at: requested.expiresAt.toISOString() };
  });

  router.post('/complete-pairing', async (ctx: Context) => {
    const limited = deps.pairingLimiter.retryAfter(ctx.ip);
    if (limited !== null) throw rateLimited(limited);
    let body: z.infer<typeof completeBody>;
    let provisioned;
    try {
      body = validate(completeBody, ctx.request.body);
      provisioned = await deps.pairing.complete({ code: body.code, homeId: body.home_id, name: body.name }, commandContext(ctx));
    } catch (error) {
      if (error instanceof HttpError || error instanceof DomainError) deps.pairingLimiter.hit(ctx.ip);
      throw error;
    }
    // Read-your-writes for the next requests; the answer itself comes from the write (never a 404 for it).
    await deps.settle(provisioned.write);
    ctx.status = 201;
    ctx.body = provisionedBody(provisioned);
  });

  return router;
}
