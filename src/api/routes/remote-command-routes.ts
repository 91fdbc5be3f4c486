import Router from '@koa/router';
import type { Context } from 'koa';
import type { RemoteCommandState } from '../../domain/remote-control/remote-command-state.ts';
import { markCommandHop } from '../../commands/remote-control/command-trace.ts';
import { findRemoteCommand } from '../../commands/remote-control/find-remote-command.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { HttpError } from '../http-error.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { cursorOf, pageOf } from '../pagination.ts';
import { uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import { commandRowBody, commandStateBody, historyEntry } from './remote-command-body.ts';
import { remoteCommandRequest, remoteControlOf, submitRemoteCommand } from './remote-command-submission.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

const gatewayNotFound = () => new HttpError(404, 'gateway_not_found', 'No such gateway');
const commandNotFound = () => new HttpError(404, 'command_not_found', 'No such command');

/**
 * Remote control: `POST /api/gateways/{id}/commands/` issues a command (event), which reaches the gateway through
 * whichever process holds its socket; the request waits for the outcome event (from any process) or answers 202.
 */
export function remoteCommandRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter();
  router.use(requireUser(deps.tokens));
  const userOf = (ctx: Context) => ctx.state.userId as string;
  const remoteControl = remoteControlOf(deps);

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
        error: {
          code: 'command_timed_out',
          message: `The gateway did not acknowledge the command within ${state.timeoutS} s`,
          details: { command_id: state.commandId },
        },
      };
      return;
    }
    ctx.status = 200;
    ctx.body = answerBody(state, clientCommandId);
  };

  router.post('/api/gateways/:id/commands', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const body = validate(remoteCommandRequest, ctx.request.body);
    markCommandHop('request_parsed');
    const gateway = await deps.gatewayViews.byIdVisibleTo(gatewayId, userOf(ctx));
    if (!gateway) throw gatewayNotFound();
    markCommandHop('authorised');
    const submitted = await submitRemoteCommand(remoteControl, ctx, gateway, body);
    if (submitted.finished) finished(ctx, submitted.state, body.command_id);
    else accepted(ctx, submitted.state, body.command_id);
    markCommandHop('response_written', submitted.state.commandId ?? undefined);
  });

  router.get('/api/gateways/:id/commands', async (ctx: Context) => {
    const gatewayId = uuidParam(ctx.params, 'id');
    const gateway = await deps.gatewayViews.byIdVisibleTo(gatewayId, userOf(ctx));
    if (!gateway) throw gatewayNotFound();
    const page = pageOf(ctx.query);
    const { items, next, total } = await deps.remoteCommandViews.recentOfGateway(gatewayId, page);
    ctx.body = { items: items.map(commandRowBody), total, limit: page.limit, next_cursor: cursorOf(next) };
  });

  router.get('/api/commands/:id', async (ctx: Context) => {
    const requestedId = uuidParam(ctx.params, 'id');
    const found = await findRemoteCommand(deps.remoteCommands, requestedId, userOf(ctx), (userId) =>
      deps.homeIdsOf(userId),
    );
    if (!found) throw commandNotFound();
    ctx.body = {
      ...commandStateBody(found.state),
      late_acks: found.state.lateAcks,
      history: found.history.map(historyEntry),
    };
  });

  return router;
}
