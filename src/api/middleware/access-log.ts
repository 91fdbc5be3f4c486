import type { Context, Next } from 'koa';
import type { Logger } from '../../logger.ts';
import { maskedAddress } from '../../log-hygiene.ts';

/**
 * One structured line per request. The query string is dropped: it may carry a secret. The client address is
 * masked (personal data; a log line cannot be erased later). When `info` is not logged (LOG_LEVEL=warn, as the
 * benchmarks and many deployments run) the request is not timed and no line is built: that was work on every
 * request for a line pino then dropped. The level is read per request, so a level changed at run time applies.
 */
export function accessLog(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    if (!logger.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.info(
        {
          request_id: ctx.state.requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Math.round(ms * 10) / 10,
          ip: maskedAddress(ctx.ip),
          user_id: ctx.state.userId,
        },
        'request',
      );
    }
  };
}
