import Router from '@koa/router';
import type { Context } from 'koa';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { linkNextPage, pageOf } from '../pagination.ts';
import { uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { gatewayBody, provisionedBody } from './gateway-body.ts';
import { answerPending } from './pending-answer.ts';
import { provisionBody, renameGatewayBody, type SecretResponse } from '../contracts/gateway-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

const gatewayNotFound = () => new HttpError(404, 'gateway_not_found', 'No such gateway');

/**
 * `/api/gateways`: provisioning and lifecycle. Writes are authorised by the domain on the home stream; reads
 * through the caller's memberships (strangers get 404, never a hint that the gateway exists).
 */
export function gatewayRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/gateways');
  router.use(requireUser(deps.tokens));
  const userOf = (ctx: Context) => ctx.state.userId as string;

  const visibleGateway = async (ctx: Context, gatewayId: string) => {
    const row = await deps.gatewayViews.byIdVisibleTo(gatewayId, userOf(ctx));
    if (!row) throw gatewayNotFound();
    return gatewayBody(row);
  };

  router.post('/provision', async (ctx: Context) => {
    const body = validate(provisionBody, ctx.request.body);
    const provisioned = await deps.gateways.provision(
      { actorId: userOf(ctx), homeId: body.home_id, name: body.name, via: 'provision' },
      commandContext(ctx),
    );
    // Read-your-writes for the caller's next requests; the answer itself comes from the write.
    await deps.settle(provisioned.write);
    ctx.status = 201;
    ctx.body = provisionedBody(provisioned);
  });

  // Always paged (default 50); the body stays the array it always was, the next page is in the Link header.
  router.get('/', async (ctx: Context) => {
    const page = pageOf(ctx.query);
    const { json, next } = await deps.gatewayViews.pageVisibleToAsJson(userOf(ctx), page);
    linkNextPage(ctx, page, next);
    // The database wrote the array (json-page.ts); the type goes first, or Koa would call the text plain.
    ctx.type = 'application/json';
    ctx.body = json;
  });

  router.get('/:id', async (ctx: Context) => {
    ctx.body = await visibleGateway(ctx, uuidParam(ctx.params, 'id'));
  });

  // PUT as the original accepted it (Django's RetrieveUpdateDestroyAPIView), with the same body.
  const rename = async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const body = validate(renameGatewayBody, ctx.request.body);
    const write = await deps.gateways.rename(gatewayId, userOf(ctx), body.name, commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, `/api/gateways/${gatewayId}/`);
    ctx.body = await visibleGateway(ctx, gatewayId);
  };
  router.patch('/:id', rename);
  router.put('/:id', rename);

  router.delete('/:id', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    await deps.settle(await deps.gateways.delete(gatewayId, userOf(ctx), commandContext(ctx)));
    ctx.status = 204;
  });

  router.post('/:id/revoke', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const write = await deps.gateways.revoke(gatewayId, userOf(ctx), commandContext(ctx));
    if (!(await deps.settle(write))) return answerPending(ctx, `/api/gateways/${gatewayId}/`);
    ctx.body = await visibleGateway(ctx, gatewayId);
  });

  router.post('/:id/rotate-secret', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const rotated = await deps.gateways.rotateSecret(gatewayId, userOf(ctx), commandContext(ctx));
    await deps.settle(rotated.write);
    ctx.body = { secret: rotated.secret } satisfies SecretResponse;
  });

  return router;
}
