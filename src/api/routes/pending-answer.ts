import type { Context } from 'koa';
import type { PendingAnswer } from '../openapi/operation.ts';

/**
 * A write is recorded, but the read models its answer is read from did not catch up within
 * READ_YOUR_WRITES_TIMEOUT_MS (a projection is stuck or far behind): 202 with a `Location` to GET for the result
 * — never a 404 or a stale row for what was just written. `extra` carries what the write itself gave (tokens).
 */
export function answerPending(ctx: Context, location: string, extra: Record<string, unknown> = {}): void {
  ctx.status = 202;
  ctx.set('Location', location);
  ctx.body = {
    ...extra,
    status: 'pending',
    location,
    message: 'Recorded; the read models have not caught up yet. GET the location for the result.',
  } satisfies PendingAnswer;
}
