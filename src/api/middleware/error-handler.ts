import type { Context, Next } from 'koa';
import { DomainError, RetryLaterError, type DomainErrorKind } from '../../domain/errors.ts';
import type { Logger } from '../../logger.ts';
import { HttpError } from '../http-error.ts';
import { EVENT_STORE_RETRY_AFTER_S, EventStoreUnavailableError } from '../../commands/event-store-unavailable.ts';

const STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
  rate_limited: 429,
  unavailable: 503,
};

function toHttpError(error: unknown): HttpError | null {
  if (error instanceof HttpError) return error;
  if (error instanceof EventStoreUnavailableError) {
    return new HttpError(503, 'event_store_unavailable', 'The event store is unavailable; retry shortly', undefined, {
      'Retry-After': String(EVENT_STORE_RETRY_AFTER_S),
    });
  }
  if (error instanceof DomainError) {
    const status = STATUS_OF[error.kind];
    const headers: Record<string, string> =
      status === 401
        ? { 'WWW-Authenticate': 'Bearer realm="smarthome-cloud", error="invalid_token"' }
        : error instanceof RetryLaterError
          ? { 'Retry-After': String(error.retryAfterS) }
          : {};
    return new HttpError(status, error.code, error.message, error.details, headers);
  }
  return null;
}

/**
 * Every failure leaves as `{ error: { code, message, details? } }` with its status; unexpected ones are logged
 * with the request id and answered 500 without internals.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new HttpError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}`);
      }
      if (ctx.status === 405 || ctx.status === 501) {
        throw new HttpError(ctx.status, 'method_not_allowed', `${ctx.method} is not allowed on ${ctx.path}`);
      }
    } catch (error) {
      const httpError = toHttpError(error);
      if (httpError) {
        ctx.status = httpError.status;
        ctx.set(httpError.headers);
        ctx.body = {
          error: {
            code: httpError.code,
            message: httpError.message,
            ...(httpError.details === undefined ? {} : { details: httpError.details }),
          },
        };
        return;
      }
      logger.error({ err: error, request_id: ctx.state.requestId, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = {
        error: {
          code: 'internal_error',
          message: 'Internal server error',
          details: { request_id: ctx.state.requestId },
        },
      };
    }
  };
}
