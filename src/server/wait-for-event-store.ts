/**
 * Start-up reads the head of `$all` (projections, the lag sampler, the relay, followers), so it cannot go on while
 * the event store is down. Instead of failing after one call's retry total, start-up waits here: the head is read
 * again and again, each read already retrying through transient states for EVENT_STORE_RETRY_TOTAL_MS, until it
 * answers or EVENT_STORE_STARTUP_WAIT_MS has passed. Every `logEveryMs` one line says how long it has waited and
 * why. Only an unavailable store is waited for; any other error (a refused login, a bad URL) fails at once.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { EventStoreUnavailableError } from '../eventstore/errors.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';

export interface StartupWait {
  /** EVENT_STORE_STARTUP_WAIT_MS: give up (start-up fails) after this long. */
  totalMs: number;
  logEveryMs?: number;
  /** Pause between head reads that failed. */
  pauseMs?: number;
}

/** What start-up waits for now, for `/readyz` and the log. */
export interface StartupStatus {
  reason: string;
}

export async function waitForEventStore(
  store: EventStore,
  logger: Logger,
  wait: StartupWait,
  status: StartupStatus,
): Promise<void> {
  const started = Date.now();
  const waited = () => Date.now() - started;
  const logEveryMs = wait.logEveryMs ?? 5_000;
  status.reason = 'waiting for the event store';
  const reporter = setInterval(
    () => logger.warn({ waited_ms: waited(), reason: status.reason }, 'start-up waits for the event store'),
    logEveryMs,
  );
  try {
    for (;;) {
      try {
        await store.headPosition();
        if (waited() >= logEveryMs) logger.info({ waited_ms: waited() }, 'the event store answers; start-up goes on');
        return;
      } catch (error) {
        if (!(error instanceof EventStoreUnavailableError)) throw error;
        status.reason = `event store unavailable: ${firstLine(error.message)}`;
        if (waited() >= wait.totalMs) {
          throw new EventStoreUnavailableError(
            `The event store did not answer within EVENT_STORE_STARTUP_WAIT_MS (${wait.totalMs} ms): ${firstLine(error.message)}`,
            { cause: error },
          );
        }
        await delay(wait.pauseMs ?? 500);
      }
    }
  } finally {
    clearInterval(reporter);
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
