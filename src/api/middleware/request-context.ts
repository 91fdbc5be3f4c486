import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Actor, CommandContext } from '../../commands/metadata.ts';

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
/** Every event of the request carries it: a header may be 16 KB, an audit record need not be. */
const MAX_USER_AGENT_LENGTH = 512;

/** Gives every request an id (the caller's X-Request-Id when it is sane), echoed in the response. */
export async function requestId(ctx: Context, next: Next) {
  const given = ctx.get('x-request-id');
  ctx.state.requestId = REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
  ctx.set('X-Request-Id', ctx.state.requestId as string);
  await next();
}

/** The metadata every event written for this request carries: who, from where, why. */
export function commandContext(ctx: Context, actor?: Actor): CommandContext {
  const userId = ctx.state.userId as string | undefined;
  const requestIdValue = ctx.state.requestId as string;
  return {
    actor: actor ?? (userId ? { kind: 'user', id: userId } : { kind: 'anonymous', id: null }),
    correlationId:
      ctx.get('x-correlation-id') && REQUEST_ID_PATTERN.test(ctx.get('x-correlation-id'))
        ? ctx.get('x-correlation-id')
        : requestIdValue,
    causationId: requestIdValue,
    requestId: requestIdValue,
    clientAddress: ctx.ip,
    userAgent: ctx.get('user-agent').slice(0, MAX_USER_AGENT_LENGTH) || undefined,
    now: new Date(),
  };
}
