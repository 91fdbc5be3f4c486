/** An error answered as JSON `{ error: { code, message, details? } }` with `status`. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const notFoundError = (what = 'Resource') => new HttpError(404, 'not_found', `${what} not found`);

export const unauthorized = (code: string, message: string) =>
  new HttpError(401, code, message, undefined, {
    'WWW-Authenticate': `Bearer realm="smarthome-cloud", error="invalid_token", error_description="${message.replaceAll('"', "'")}"`,
  });

export const rateLimited = (retryAfterSeconds: number) =>
  new HttpError(
    429,
    'rate_limited',
    'Too many attempts; try again later',
    { retry_after_s: retryAfterSeconds },
    {
      'Retry-After': String(retryAfterSeconds),
    },
  );
