import { createHash, randomUUID } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { can } from '../../domain/homes/roles.ts';
import { remoteCommandDecider, isFinal, type RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import { clientScopedCommandId } from '../../commands/remote-control/client-command-id.ts';
import type { GatewayRow } from '../../projections/queries/gateway-queries.ts';
import type { Role } from '../../domain/homes/roles.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { boundedJsonObject, COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES } from '../input-bounds.ts';
import { commandContext } from '../middleware/request-context.ts';
import { uuid } from '../path-params.ts';

export const remoteCommandRequest = z.object({
  device_id: z.string().trim().min(1).max(200),
  action: z.string().trim().min(1).max(100),
  params: boundedJsonObject(COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES).default({}),
  command_id: uuid.optional(),
  wait: z.boolean().default(true),
  timeout_s: z.number().int().min(1).max(60).default(10),
  ttl_s: z.number().int().min(0).max(172_800).default(0),
});
export type RemoteCommandRequest = z.infer<typeof remoteCommandRequest>;

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

/** Where a submitted command stands when the request answers: finished (incl. timed out) or still on its way. */
export interface Submitted {
  state: RemoteCommandState;
  finished: boolean;
}

/**
 * The remote-control use case behind every REST entrance (`POST /api/gateways/{id}/commands/`, the app's entity
 * control and scene run): rights, offline/queue rules, idempotency by the caller's command id, issue (and dispatch
 * here when this process holds the socket), then wait for the outcome from any process or time the command out.
 */
export async function submitRemoteCommand(
  deps: ApiDependencies,
  ctx: Context,
  gateway: GatewayRow & { role: Role },
  body: RemoteCommandRequest,
): Promise<Submitted> {
  const userId = ctx.state.userId as string;
  // An early answer from the read model; the decider decides again with the role from the home stream.
  if (!can(gateway.role, 'device.control')) throw new HttpError(403, 'forbidden', `Your role (${gateway.role}) may not do device.control`);
  if (gateway.status === 'revoked') throw new HttpError(409, 'gateway_revoked', 'This gateway is revoked');

  // A client's id is scoped to the caller (see clientScopedCommandId): no answer depends on other users' ids.
  const commandId = body.command_id === undefined ? randomUUID() : clientScopedCommandId(userId, body.command_id);
  const context = commandContext(ctx);
  // Registered first, so an ack that beats everything below is not missed.
  const waiter = body.wait ? deps.commandOutcomes.wait(commandId, body.timeout_s * 1000) : null;
  try {
    const existing = body.command_id !== undefined ? await deps.remoteCommands.load(commandId) : null;
    const online = deps.gatewayLink.isLocal(gateway.id) || gateway.status === 'online';
    if (!existing) await admit(deps, gateway.id, online, body.ttl_s);
    const input = {
      commandId,
      gatewayId: gateway.id,
      homeId: gateway.home_id,
      actorId: userId,
      deviceId: body.device_id,
      action: body.action,
      params: body.params,
      timeoutS: body.timeout_s,
      ttlS: body.ttl_s,
      fingerprint: fingerprintOf(gateway.id, body),
    };
    // This process holds the socket: issued and dispatched in one append, and sent. Otherwise issued here and
    // dispatched by whichever process holds it (this one's lane, or another's through the subscription).
    const issuedHere = existing ? null : await deps.gatewayLink.issueHere(gateway.id, commandId, (session) => deps.remoteCommands.issue(input, context, session));
    const issued = issuedHere ?? (await deps.remoteCommands.issue(input, context));
    const state = issued.state;
    if (issued.created && online && !issued.dispatched) deps.gatewayLink.dispatchIfLocal(issued);
    if (isFinal(state.status)) return { state, finished: true };
    if (!waiter || !online) {
      await deps.settle(issued.write);
      return { state, finished: false };
    }
    const outcome = await waiter.outcome;
    if (!outcome) return { state: await deps.remoteCommands.timeOut(commandId, commandContext(ctx)), finished: true };
    // The stream, not the outcome event alone: the answer shows the dispatch too (as a retry would). This
    // process's own outcome comes with it; another process's is read back.
    const final = outcome.state ?? (await deps.remoteCommands.load(commandId))?.state ?? remoteCommandDecider.evolve(state, outcome.event);
    return { state: final, finished: true };
  } finally {
    waiter?.cancel();
  }
}

/** A new command for an offline gateway is refused unless it may wait (ttl_s > 0) and the queue has room. */
async function admit(deps: ApiDependencies, gatewayId: string, online: boolean, ttlS: number): Promise<void> {
  if (online) return;
  if (ttlS === 0) throw new HttpError(409, 'gateway_offline', 'The gateway is offline; send ttl_s > 0 to queue the command until it reconnects');
  if ((await deps.remoteCommandViews.queuedCount(gatewayId)) >= deps.remoteControl.queueLimit) {
    throw new HttpError(429, 'command_queue_full', `At most ${deps.remoteControl.queueLimit} commands may wait for an offline gateway`, undefined, {
      'Retry-After': '60',
    });
  }
}
