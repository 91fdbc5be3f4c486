import Router from '@koa/router';
import type { Context } from 'koa';
import type { RemoteCommandState } from '../../domain/remote-control/remote-command-state.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { boundedJsonObject, COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES } from '../input-bounds.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { uuid, uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { EDGE_ID, controlRequest, sceneRunRequest } from '../contracts/app-contract.ts';
import { remoteControlOf, submitRemoteCommand, type RemoteCommandRequest } from './remote-command-submission.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/**
 * How long a control request waits for the edge's ack. Below the app's 15 s request timeout, and the command's own
 * timeout too, so the answer is the outcome: it never changes after the app has been told.
 */
export const APP_COMMAND_TIMEOUT_S = 10;

const controlParams = boundedJsonObject(COMMAND_PARAMS_BOUNDS, COMMAND_PARAMS_MAX_BYTES);

function edgeIdParam(ctx: Context, name: string): string {
  const value = ctx.params[name];
  if (typeof value !== 'string' || !EDGE_ID.test(value)) {
    throw new HttpError(400, 'invalid_id', `${name} must be 1 to 200 letters, digits or . _ : -`, { param: name });
  }
  return value;
}

/** `Idempotency-Key` (a UUID) or `command_id` in the body; both given must agree. */
function clientCommandIdOf(ctx: Context, fromBody: string | undefined): string | undefined {
  const header = ctx.get('idempotency-key');
  if (header === '') return fromBody;
  const parsed = uuid.safeParse(header);
  if (!parsed.success) throw new HttpError(400, 'invalid_idempotency_key', 'Idempotency-Key must be a UUID');
  if (fromBody !== undefined && fromBody !== parsed.data) {
    throw new HttpError(400, 'idempotency_key_mismatch', 'Idempotency-Key and command_id differ');
  }
  return parsed.data;
}

function messageOf(state: RemoteCommandState): string | undefined {
  if (state.status === 'failed') return state.error?.message;
  const result = state.result as { message?: unknown } | null | undefined;
  return typeof result?.message === 'string' ? result.message : undefined;
}

/**
 * The app's answer: `{command_id, status, message?}`. The app treats any 2xx as success, so only a success is 200;
 * a command on its way (queued for a reconnect under the same id) is 202; a failure is 502 and a missing ack 504,
 * each with the JSON error and the edge's message.
 */
function answer(ctx: Context, state: RemoteCommandState, finished: boolean): void {
  const message = messageOf(state);
  const body = { command_id: state.commandId, status: state.status, ...(message === undefined ? {} : { message }) };
  ctx.set('Location', `/api/commands/${state.commandId}/`);
  if (!finished) {
    ctx.status = 202;
    ctx.body = body;
  } else if (state.status === 'succeeded') {
    ctx.status = 200;
    ctx.body = body;
  } else if (state.status === 'timed_out') {
    ctx.status = 504;
    const text = `The gateway did not acknowledge the command within ${state.timeoutS} s`;
    ctx.body = {
      ...body,
      error: { code: 'command_timed_out', message: text, details: { command_id: state.commandId } },
    };
  } else {
    ctx.status = 502;
    const text = message ?? `The command ended ${state.status}`;
    const details = { command_id: state.commandId, ...(state.error ? { edge_code: state.error.code } : {}) };
    ctx.body = {
      ...body,
      error: { code: state.status === 'failed' ? 'command_failed' : `command_${state.status}`, message: text, details },
    };
  }
}

/**
 * The app's remote control: an entity command or a scene run on the home's active gateway, through the same use
 * case as `POST /api/gateways/{id}/commands/` (rights, offline rule, idempotency, audit, outcome at
 * `/api/commands/{id}/`). Entity: device_id = entity id, action = command, params {value}. Scene: device_id
 * `scene:<id>`, action `run_scene`, params {}.
 */
export function appControlRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  router.use(requireUser(deps.tokens));
  const remoteControl = remoteControlOf(deps);

  const run = async (ctx: Context, request: Omit<RemoteCommandRequest, 'wait' | 'timeout_s' | 'ttl_s'>) => {
    const [home] = await deps.memberships.homesOf(ctx.state.userId as string, uuidParam(ctx.params, 'home_id'));
    if (!home) throw new HttpError(404, 'home_not_found', 'No such home');
    const gateway = home.active_gateway_id
      ? await deps.gatewayViews.byIdVisibleTo(home.active_gateway_id, ctx.state.userId as string)
      : null;
    if (!gateway) throw new HttpError(409, 'gateway_offline', 'This home has no active gateway');
    const submitted = await submitRemoteCommand(remoteControl, ctx, gateway, {
      ...request,
      wait: true,
      timeout_s: APP_COMMAND_TIMEOUT_S,
      ttl_s: 0,
    });
    answer(ctx, submitted.state, submitted.finished);
  };

  router.post('/api/remote/homes/:home_id/entities/:entity_id/control', async (ctx: Context) => {
    const entityId = edgeIdParam(ctx, 'entity_id');
    const body = validate(controlRequest, ctx.request.body ?? {});
    const params = validate(controlParams, body.value === undefined ? {} : { value: body.value });
    await run(ctx, {
      device_id: entityId,
      action: body.command,
      params,
      command_id: clientCommandIdOf(ctx, body.command_id),
    });
  });

  router.post('/api/remote/homes/:home_id/scenes/:scene_id/run', async (ctx: Context) => {
    const sceneId = edgeIdParam(ctx, 'scene_id');
    const body = validate(sceneRunRequest, ctx.request.body ?? {});
    await run(ctx, {
      device_id: `scene:${sceneId}`,
      action: 'run_scene',
      params: {},
      command_id: clientCommandIdOf(ctx, body.command_id),
    });
  });

  return router;
}
