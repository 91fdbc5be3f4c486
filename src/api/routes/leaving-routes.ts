import Router from '@koa/router';
import type { Context } from 'koa';
import { DomainError } from '../../domain/errors.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { reserveAttempt } from '../attempt-reservation.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { deleteAccountBody, transferOwnershipBody } from '../contracts/leaving-contract.ts';
import type { HomeResponse } from '../contracts/home-contract.ts';
import { answerPending } from './pending-answer.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/**
 * Leaving: delete one's account, leave a home, hand a home over, delete a home. Each is decided on the streams and
 * recorded as events; the deletions destroy data keys (crypto-shredding: the log keeps every event, its personal
 * values read "[erased]").
 */
export function leavingRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  const authenticated = requireUser(deps.tokens);

  router.delete('/api/auth/account', authenticated, async (ctx: Context) => {
    const body = validate(deleteAccountBody, ctx.request.body);
    const userId = ctx.state.userId as string;
    // A stolen access token must not become a password oracle: limited like change-password.
    const limits = deps.passwordChangeLimiter;
    const attempt = await reserveAttempt([
      [limits.byUserAndAddress, `${userId} ${ctx.ip}`],
      [limits.byAddress, ctx.ip],
      [limits.byUser, userId],
    ]);
    const memberOf = (await deps.memberships.homesOf(userId)).map((home) => home.id);
    let write;
    try {
      write = await deps.accountDeletion.deleteAccount(userId, body.password, memberOf, commandContext(ctx));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'wrong_password')) await attempt.refund();
      throw error;
    }
    await attempt.refund();
    await deps.settle(write);
    ctx.status = 204;
  });

  router.post('/api/homes/:home_id/leave', authenticated, async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const userId = ctx.state.userId as string;
    await deps.settle(await deps.homes.leave(homeId, userId, commandContext(ctx)));
    ctx.status = 204;
  });

  router.post('/api/homes/:home_id/transfer-ownership', authenticated, async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const body = validate(transferOwnershipBody, ctx.request.body);
    const userId = ctx.state.userId as string;
    const write = await deps.homes.transferOwnership(homeId, userId, body.user_id, commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, `/api/homes/${homeId}/`);
    const [home] = await deps.memberships.homesOf(userId, homeId);
    if (!home) throw new HttpError(404, 'home_not_found', 'No such home');
    ctx.body = {
      id: home.id,
      name: home.name,
      role: home.role,
      owner_id: home.owner_id,
      active_gateway_id: home.active_gateway_id,
      created_at: new Date(home.created_at).toISOString(),
    } satisfies HomeResponse;
  });

  router.delete('/api/homes/:home_id', authenticated, async (ctx: Context) => {
    const homeId = uuidParam(ctx.params, 'home_id');
    const pendingCommandsOf = async (gatewayId: string) =>
      (await deps.remoteCommandViews.pendingForGateway(gatewayId)).map((command) => command.id);
    const write = await deps.homeDeletion.deleteHome(
      homeId,
      ctx.state.userId as string,
      pendingCommandsOf,
      commandContext(ctx),
    );
    await deps.settle(write);
    ctx.status = 204;
  });

  return router;
}
