import { pino } from 'pino';
import type { Writable } from 'node:stream';
import type { Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { openStores, type Stores } from '../stores.ts';

/** Where a command writes: its output (stdout, or a file) and messages for the operator (stderr). */
export interface CliIo {
  out: Writable;
  err: Writable;
  /** Draw progress bars (a terminal) rather than plain progress lines. */
  interactive: boolean;
}

export const processIo = (): CliIo => ({
  out: process.stdout,
  err: process.stderr,
  interactive: Boolean(process.stderr.isTTY),
});

/** CLI logs go to stderr, so that stdout stays the command's output (e.g. an export). */
export function cliLogger(config: Config): Logger {
  return createLogger(config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL, { cli: true }, pino.destination(2));
}

/**
 * Every CLI command opens the stores through here: with embedded PGlite this takes the DATA_DIR lock, so a
 * command run while `serve` holds the directory stops at once with a message saying what to do instead of
 * corrupting or hanging; against a Postgres server it simply connects.
 */
export async function withStores<T>(
  config: Config,
  purpose: string,
  logger: Logger,
  body: (stores: Stores) => Promise<T>,
): Promise<T> {
  const stores = await openStores(config, logger, purpose);
  try {
    return await body(stores);
  } finally {
    await stores.close();
  }
}
