import type { Database } from './connect.ts';
import { maskUrlPassword } from './masked-url.ts';

/** Why a store could not be reached, in an operator's words, and what to do about it. */
interface Unavailability {
  what: string;
  hint: string;
}

/**
 * A store named by the configuration cannot be used at start-up: the CLI prints this one line (no stack) and exits
 * with code 2. The URL is shown with its password masked.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(variable: string, url: string, reason: Unavailability, options: { cause: unknown }) {
    super(`${reason.what} (${variable}=${maskUrlPassword(url)}): ${reason.hint}`, options);
  }
}

const BY_CODE: Record<string, Unavailability> = {
  ECONNREFUSED: { what: 'store unreachable', hint: 'nothing listens at that address; start the server or fix the URL' },
  ENOTFOUND: { what: 'store host not found', hint: 'the host name does not resolve; fix the URL' },
  EAI_AGAIN: { what: 'store host not found', hint: 'the host name did not resolve (DNS); fix the URL or DNS' },
  EHOSTUNREACH: { what: 'store unreachable', hint: 'no route to the host; check the network or the URL' },
  ETIMEDOUT: { what: 'store unreachable', hint: 'the connection timed out; check the network or the URL' },
  '3D000': { what: 'database does not exist', hint: 'create it (createdb) or fix the database name in the URL' },
  '28P01': { what: 'database login refused', hint: 'check the user and password in the URL' },
  '28000': { what: 'database login refused', hint: 'the server refuses this user; check pg_hba.conf or the URL' },
};

/** The operator-facing reason for a connection failure; null when the error is something else (kept as is). */
export function unavailabilityOf(error: unknown): Unavailability | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code in BY_CODE) return BY_CODE[code]!;
  // Node's happy-eyeballs connect rejects with an AggregateError of one failure per address.
  if (error instanceof AggregateError) return error.errors.map(unavailabilityOf).find((reason) => reason) ?? null;
  return null;
}

/** One query at start-up, so a wrong URL fails here with its variable's name rather than deep in a migration. */
export async function probeDatabase(database: Database, variable: string): Promise<void> {
  if (database.target.kind !== 'postgres') return;
  try {
    await database.knex.raw('select 1');
  } catch (error) {
    const reason = unavailabilityOf(error);
    if (reason === null) throw error;
    throw new StoreUnavailableError(variable, database.target.url, reason, { cause: error });
  }
}
