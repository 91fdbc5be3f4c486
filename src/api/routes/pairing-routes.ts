import Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError } from '../../domain/errors.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { reserveAttempt } from '../attempt-reservation.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { validate } from '../validation.ts';
import { provisionedBody } from './gateway-body.ts';
import { completeBody, pairingCodeOf, requestBody, verifyParams } from './pairing-body.ts';
import type { PairedResponse, PairingCodeResponse, PairingValidityResponse } from '../contracts/pairing-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

const PAIRED_MESSAGE = 'Gateway paired successfully! Store the secret securely.';
const VALID_MESSAGE = 'Pairing code is valid';
/** The same for unknown, used and expired codes: the answer reveals validity and nothing else. */
const INVALID_MESSAGE = 'Pairing code is not valid';

/**
 * Pairing: the phone asks for a code (`request-pairing`, user token); the gateway redeems it without one
 * (`complete-pairing`) and gets its secret directly. Failed redemptions and failed verifications share one
 * per-address limit, so neither path is an oracle for guessing codes.
 */
export function pairingRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/gateways');

  router.post('/request-pairing', requireUser(deps.tokens), async (ctx: Context) => {
    const body = validate(requestBody, ctx.request.body);
    const requested = await deps.pairing.request(
      ctx.state.userId as string,
      {
        homeId: body.home_id,
        name: body.name,
        homeName: body.home_name,
        ttlMs: body.expiry_minutes === undefined ? undefined : body.expiry_minutes * 60_000,
      },
      commandContext(ctx),
    );
    await deps.settle(requested.write);
    const minutes = Math.max(1, Math.round(requested.ttlMs / 60_000));
    ctx.status = 201;
    ctx.body = {
      code: requested.code,
      expires_at: requested.expiresAt.toISOString(),
      message: `Pairing code generated. Enter this code on your gateway within ${minutes} minutes.`,
    } satisfies PairingCodeResponse;
  });

  router.post('/complete-pairing', async (ctx: Context) => {
    // Reserved before the code is checked (given back when it redeems), so concurrent guesses cannot all pass.
    const attempt = await reserveAttempt([[deps.pairingLimiter, ctx.ip]]);
    let provisioned;
    try {
      const body = validate(completeBody, ctx.request.body);
      provisioned = await deps.pairing.complete(
        {
          code: pairingCodeOf(body),
          homeId: body.home_id,
          name: body.name,
          gatewayId: body.gateway_uuid,
          version: body.version,
        },
        commandContext(ctx),
      );
    } catch (error) {
      if (!(error instanceof HttpError || error instanceof DomainError)) await attempt.refund();
      throw error;
    }
    await attempt.refund();
    // Read-your-writes for the next requests; the answer itself comes from the write (never a 404 for it).
    await deps.settle(provisioned.write);
    ctx.status = 201;
    ctx.body = { ...provisionedBody(provisioned), message: PAIRED_MESSAGE } satisfies PairedResponse;
  });

  /**
   * For the app's UI: is this code still redeemable? A user token is required (the original served it to anyone);
   * the answer never names the home or the requester, and checking never consumes the code.
   */
  router.get('/verify-pairing/:code', requireUser(deps.tokens), async (ctx: Context) => {
    const { code } = validate(verifyParams, ctx.params, 'query');
    const attempt = await reserveAttempt([[deps.pairingLimiter, ctx.ip]]);
    const valid = code !== null && (await deps.pairing.isValid(code));
    if (valid) await attempt.refund();
    ctx.body = { valid, message: valid ? VALID_MESSAGE : INVALID_MESSAGE } satisfies PairingValidityResponse;
  });

  return router;
}
