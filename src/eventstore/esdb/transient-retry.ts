/**
 * Retries a call that failed because the connection was being replaced. After a node restarts or drops a call,
 * the 6.x client closes its channel and builds a new one on the next call; a call racing with that fails with
 * UNAVAILABLE ("Channel closed before call started") although the server is fine. Appends are safe to repeat:
 * event ids go with them, so EventStoreDB recognises an append it already wrote.
 */
import { isTransientClientError } from './client-errors.ts';

const ATTEMPTS = 3;
const PAUSE_MS = 50;

export async function retryTransient<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= ATTEMPTS || !isTransientClientError(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, PAUSE_MS * attempt));
    }
  }
}
