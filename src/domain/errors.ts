/**
 * Rule violations decided by the domain. `code` is stable and machine-readable; the API maps `kind` to a status.
 */
export type DomainErrorKind =
  | 'invalid' // 400: the command breaks a rule about its own content
  | 'unauthenticated' // 401
  | 'forbidden' // 403: known member, not allowed
  | 'not_found' // 404 (also used to hide what a stranger may not see)
  | 'conflict' // 409
  | 'gone' // 410
  | 'rate_limited' // 429
  | 'unavailable'; // 503: this node cannot answer now (it is shutting down); another node or a retry can

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A refusal that passes with time (a full queue): the API answers 429 with `Retry-After`. */
export class RetryLaterError extends DomainError {
  constructor(
    code: string,
    message: string,
    readonly retryAfterS: number,
  ) {
    super('rate_limited', code, message);
  }
}

export const invalid = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('invalid', code, message, details);
export const conflict = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('conflict', code, message, details);
export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const forbidden = (code: string, message: string) => new DomainError('forbidden', code, message);
export const unauthenticated = (code: string, message: string) => new DomainError('unauthenticated', code, message);
export const unavailable = (code: string, message: string, details?: Record<string, unknown>) =>
  new DomainError('unavailable', code, message, details);
