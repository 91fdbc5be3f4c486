import { createHash, randomUUID } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import { can } from '../../domain/homes/roles.ts';
import { remoteCommandDecider, isFinal, type RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import type { RemoteCommandEvent } from '../../domain/remote-control/remote-command-events.ts';
import { clientScopedCommandId } from '../../commands/remote-control/client-command-id.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { boundedJsonObject, COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES } from '../input-bounds.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { commandContext } from '../middleware/request-context.ts';
import { pageOf } from '../pagination.ts';
import { uuid, uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { commandRowBody, commandStateBody, historyEntry } from './remote-command-body.ts';

export const remoteCommandRequest = z.object({
  device_id: z.string().trim().min(1).max(200),
  action: z.string().trim().min(1).max(100),
  params: boundedJsonObject(COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES).default({}),
  command_id: uuid.optional(),
  wait: z.boolean().default(true),
  timeout_s: z.number().int().min(1).max(60).default(10),
  ttl_s: z.number().int().min(0).max(172_800).default(0),
});
type RemoteCommandRequest = z.infer<typeof remoteCommandRequest>;

const gatewayNotFound = () => new HttpError(404, 'gateway_not_found', 'No such gateway');
const commandNotFound = () => new HttpError(404, 'command_not_found', 'No such command');

/** JSON with sorted keys, so `{a, b}` and `{b, a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What makes two requests under one command_id the same command (`wait` is how to answer, not what to do). */
function fingerprintOf(gatewayId: string, body: RemoteCommandRequest): string {
  const defining = { gateway_id: gatewayId, device_id: body.device_id, action: body.action, params: body.params, timeout_s: body.timeout_s, ttl_s: body.ttl_s };
  return createHash('sha256').update(canonical(defining)).digest('hex');
}

/**
 * Remote control: `POST /api/gateways/{id}/commands/` issues a command (event), which reaches the gateway through
 * whichever process holds its socket; the request waits for the outcome event (from any process) or answers 202.
 */
export function remoteCommandRoutes(deps: ApiDependencies): Router {
  const router = new Router();
  router.use(requireUser(deps.tokens));
  const userOf = (ctx: Context) => ctx.state.userId as string;

  /** The command as answered to its issuer: with the id they chose, when they chose one. */
  const answerBody = (state: RemoteCommandState, clientCommandId: string | undefined) => ({
    ...commandStateBody(state),
    ...(clientCommandId === undefined ? {} : { client_command_id: clientCommandId }),
  });

  const accepted = (ctx: Context, state: RemoteCommandState, clientCommandId: string | undefined) => {
    ctx.status = 202;
    ctx.set('Location', `/api/commands/${state.commandId}/`);
    ctx.body = answerBody(state, clientCommandId);
  };

  const finished = (ctx: Context, state: RemoteCommandState, clientCommandId: string | undefined) => {
    if (state.status === 'timed_out') {
      ctx.status = 504;
      ctx.body = {
        ...answerBody(state, clientCommandId),
        error: { code: 'command_timed_out', message: `The gateway did not acknowledge the command within ${state.timeoutS} s`, details: { command_id: state.commandId } },
      };
      return;
    }
    ctx.status = 200;
    ctx.body = answerBody(state, clientCommandId);
  };

  router.post('/api/gateways/:id/commands', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const body = validate(remoteCommandRequest, ctx.request.body);
    const gateway = await deps.gatewayViews.byIdVisibleTo(gatewayId, userOf(ctx));
    if (!gateway) throw gatewayNotFound();
    // An early answer from the read model; the decider decides again with the role from the home stream.
    if (!can(gateway.role, 'device.control')) throw new HttpError(403, 'forbidden', `Your role (${gateway.role}) may not do device.control`);
    if (gateway.status === 'revoked') throw new HttpError(409, 'gateway_revoked', 'This gateway is revoked');

    // A client's id is scoped to the caller (see clientScopedCommandId): no answer depends on other users' ids.
    const clientCommandId = body.command_id;
    const commandId = clientCommandId === undefined ? randomUUID() : clientScopedCommandId(userOf(ctx), clientCommandId);
    const context = commandContext(ctx);
    // Registered first, so an ack that beats everything below is not missed.
    const waiter = body.wait ? deps.commandOutcomes.wait(commandId, body.timeout_s * 1000) : null;
    try {
      const existing = clientCommandId !== undefined ? await deps.remoteCommands.load(commandId) : null;
      const online = deps.gatewayLink.isLocal(gatewayId) || gateway.status === 'online';
      if (!existing) {
        if (!online && body.ttl_s === 0) {
          throw new HttpError(409, 'gateway_offline', 'The gateway is offline; send ttl_s > 0 to queue the command until it reconnects');
        }
        if (!online && (await deps.remoteCommandViews.queuedCount(gatewayId)) >= deps.remoteControl.queueLimit) {
          throw new HttpError(429, 'command_queue_full', `At most ${deps.remoteControl.queueLimit} commands may wait for an offline gateway`, undefined, {
            'Retry-After': '60',
          });
        }
      }
      const input = {
        commandId,
        gatewayId,
        homeId: gateway.home_id,
        actorId: userOf(ctx),
        deviceId: body.device_id,
        action: body.action,
        params: body.params,
        timeoutS: body.timeout_s,
        ttlS: body.ttl_s,
        fingerprint: fingerprintOf(gatewayId, body),
      };
      // This process holds the socket: issued and dispatched in one append, and sent. Otherwise issued here and
      // dispatched by whichever process holds it (this one's lane, or another's through the subscription).
      const issuedHere = existing ? null : await deps.gatewayLink.issueHere(gatewayId, commandId, (session) => deps.remoteCommands.issue(input, context, session));
      const issued = issuedHere ?? (await deps.remoteCommands.issue(input, context));
      let state = issued.state;
      if (issued.created && online && !issued.dispatched) deps.gatewayLink.dispatchIfLocal(issued);
      if (isFinal(state.status)) return finished(ctx, state, clientCommandId);
      if (!waiter || !online) {
        await deps.settle(issued.write);
        return accepted(ctx, state, clientCommandId);
      }
      const outcome = await waiter.outcome;
      if (!outcome) return finished(ctx, await deps.remoteCommands.timeOut(commandId, commandContext(ctx)), clientCommandId);
      // The stream, not the outcome event alone: the answer shows the dispatch too (as a retry would). This
      // process's own outcome comes with it; another process's is read back.
      state = outcome.state ?? (await deps.remoteCommands.load(commandId))?.state ?? remoteCommandDecider.evolve(state, outcome.event);
      return finished(ctx, state, clientCommandId);
    } finally {
      waiter?.cancel();
    }
  });

  router.get('/api/gateways/:id/commands', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const gateway = await deps.gatewayViews.byIdVisibleTo(gatewayId, userOf(ctx));
    if (!gateway) throw gatewayNotFound();
    const page = pageOf(ctx.query);
    const { items, total } = await deps.remoteCommandViews.recentOfGateway(gatewayId, page);
    ctx.body = { items: items.map(commandRowBody), total, ...page };
  });

  router.get('/api/commands/:id', async (ctx: Context) => {
    const requestedId = uuidParam(ctx.params, 'id');
    // The id answers carry, or the id the caller chose when issuing (scoped to them).
    let events = await deps.remoteCommands.history(requestedId);
    if (events.length === 0) events = await deps.remoteCommands.history(clientScopedCommandId(userOf(ctx), requestedId));
    if (events.length === 0) throw commandNotFound();
    const state = events.reduce(
      (current, event) => remoteCommandDecider.evolve(current, { type: event.type, data: event.data } as RemoteCommandEvent),
      remoteCommandDecider.initialState,
    );
    if (!state.homeId || !(await deps.homeIdsOf(userOf(ctx))).includes(state.homeId)) throw commandNotFound();
    ctx.body = { ...commandStateBody(state), late_acks: state.lateAcks, history: events.map(historyEntry) };
  });

  return router;
}
