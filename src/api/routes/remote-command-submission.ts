import type { Context } from 'koa';
import { z } from 'zod';
import type { Role } from '../../domain/homes/roles.ts';
import { SubmitRemoteCommand, type Submitted } from '../../commands/remote-control/submit-remote-command.ts';
import type { GatewayRow } from '../../projections/queries/gateway-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
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

/** The remote-control use case, wired to what the REST side was given. */
export function remoteControlOf(deps: ApiDependencies): SubmitRemoteCommand {
  return new SubmitRemoteCommand({
    remoteCommands: deps.remoteCommands,
    outcomes: deps.commandOutcomes,
    gatewayLink: deps.gatewayLink,
    queuedCount: (gatewayId) => deps.remoteCommandViews.queuedCount(gatewayId),
    queueLimit: deps.remoteControl.queueLimit,
    settle: async (write) => void (await deps.settle(write)),
  });
}

/** A validated request body to the use case, on a gateway the caller sees. */
export function submitRemoteCommand(
  remoteControl: SubmitRemoteCommand,
  ctx: Context,
  gateway: GatewayRow & { role: Role },
  body: RemoteCommandRequest,
): Promise<Submitted> {
  const request = {
    deviceId: body.device_id,
    action: body.action,
    params: body.params,
    clientCommandId: body.command_id,
    wait: body.wait,
    timeoutS: body.timeout_s,
    ttlS: body.ttl_s,
  };
  const seen = { id: gateway.id, homeId: gateway.home_id, status: gateway.status, role: gateway.role };
  return remoteControl.submit(seen, ctx.state.userId as string, request, () => commandContext(ctx));
}
