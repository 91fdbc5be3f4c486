/**
 * Why applying an event failed: because of the event (a poison event: it fails the same way every time, and the
 * projection must record it and go on), or because of the database or the connection (transient or
 * environment-wide: the projection must retry the page later and never reject an event for it — otherwise an
 * outage, a dropped table or a read-only replica would turn every event into a dead letter).
 */

/** Network failures of the driver: connection refused, reset, DNS, timeouts. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * SQLSTATE classes about the database, not the statement's data: 08 connection, 25 transaction state (read-only,
 * aborted transaction), 40 serialization failure and deadlock, 53 insufficient resources (disk full, memory),
 * 55 object not in prerequisite state (lock not available), 57 operator intervention (shutdown, cancel),
 * 58 system error (I/O), XX internal error.
 */
const ENVIRONMENT_SQLSTATE_CLASSES = new Set(['08', '25', '40', '53', '55', '57', '58', 'XX']);

/** Schema or privilege problems: every event would fail the same way until an operator acts. */
const ENVIRONMENT_SQLSTATES = new Set(['42P01', '42703', '42883', '42501', '3D000', '3F000']);

/** Errors of drivers and pools that carry no SQLSTATE (pg, knex, PGlite). */
const ENVIRONMENT_MESSAGES =
  /connection terminated|connection error|timeout acquiring a connection|client was closed|not queryable|pglite is closed|unable to acquire/i;

const SQLSTATE = /^[0-9A-Z]{5}$/;

function codeOf(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : null;
}

/** True when the failure is about the database or the connection, not about the event being applied. */
export function isEnvironmentFailure(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // PGlite's worker thread stopped (pglite-worker-client.ts): every statement fails until the process restarts.
  if (error.name === 'KnexTimeoutError' || error.name === 'PgliteWorkerStoppedError') return true;
  const code = codeOf(error);
  if (code !== null && TRANSIENT_NETWORK_CODES.has(code)) return true;
  if (code !== null && SQLSTATE.test(code))
    return ENVIRONMENT_SQLSTATE_CLASSES.has(code.slice(0, 2)) || ENVIRONMENT_SQLSTATES.has(code);
  return ENVIRONMENT_MESSAGES.test(error.message);
}

const MAX_DESCRIPTION_LENGTH = 500;

/**
 * What a dead-letter row and its log line say about the failure: the error's name, SQLSTATE and message, without
 * the SQL text and bindings knex puts in front of a database error's message (they hold event data).
 */
export function describeApplyFailure(error: unknown): string {
  if (!(error instanceof Error)) return `thrown ${typeof error}`;
  const code = codeOf(error);
  let message = error.message;
  if (code !== null && SQLSTATE.test(code)) {
    const separator = message.lastIndexOf(' - ');
    if (separator >= 0) message = message.slice(separator + 3);
  }
  const text = `${error.name}${code ? ` ${code}` : ''}: ${message}`;
  return text.length > MAX_DESCRIPTION_LENGTH ? `${text.slice(0, MAX_DESCRIPTION_LENGTH)}…` : text;
}
