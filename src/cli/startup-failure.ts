import { ConfigError } from '../config.ts';
import { DataDirLockedError } from '../database/data-dir-lock.ts';
import { StoreUnavailableError } from '../database/store-unavailable.ts';
import { StaleProjectionError } from '../projections/stale-projection-error.ts';
import { CliUsageError } from './audit-command.ts';
import { MigrateEventsError } from './migrate-events-command.ts';
import { SimulateError } from './simulate-command.ts';

/** Exit code of a failure the operator can fix (configuration, a store, a port): one line, no stack. */
export const EXIT_OPERATOR_ERROR = 2;

const EXPECTED: ReadonlyArray<abstract new (...args: never[]) => Error> = [
  ConfigError,
  DataDirLockedError,
  StoreUnavailableError,
  MigrateEventsError,
  SimulateError,
  StaleProjectionError,
  CliUsageError,
];

interface ListenError {
  code?: unknown;
  address?: unknown;
  port?: unknown;
}

/**
 * The one line (`<what> (<variable or address>): <hint>`) for a failure an operator can fix, or null for anything
 * else, which keeps its stack (and exit code 1): a bug should be reported with it.
 */
export function operatorErrorLine(error: unknown): string | null {
  if (EXPECTED.some((type) => error instanceof type)) return (error as Error).message;
  const { code, address, port } = (error ?? {}) as ListenError;
  const where = `${String(address)}:${String(port)}`;
  if (code === 'EADDRINUSE') return `port in use (${where}): another process listens there; stop it or set PORT`;
  if (code === 'EADDRNOTAVAIL') return `address not available (${where}): this machine has no such address; fix HOST`;
  if (code === 'EACCES' && port !== undefined) {
    return `port not allowed (${where}): ports below 1024 need privileges; set PORT to 1024 or above`;
  }
  return null;
}
