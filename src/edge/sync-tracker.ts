import { FrameRejectedError } from './edge-errors.ts';

interface Waiter {
  resolve: () => void;
  reject: (reason: Error) => void;
}

/**
 * Who is waiting for which `sync` to be acked. A caller of `requestSync()` waits for the first snapshot taken
 * after its call; if the connection drops before that sync is acked, the next connection's sync (a fresher
 * snapshot, sent anyway) satisfies it instead.
 */
export class SyncTracker {
  private waitingForNextSync: Waiter[] = [];
  private readonly inFlight = new Map<string, Waiter[]>();

  waitForNextSync(): Promise<void> {
    return new Promise((resolve, reject) => this.waitingForNextSync.push({ resolve, reject }));
  }

  /** Someone waits for a sync that has not been sent yet. */
  get hasUnsentWaiters(): boolean {
    return this.waitingForNextSync.length > 0;
  }

  /** A sync frame went out: everyone waiting so far is now waiting for this one. */
  sent(requestId: string): void {
    this.inFlight.set(requestId, this.waitingForNextSync);
    this.waitingForNextSync = [];
  }

  /** @returns whether the ack was for a sync of ours. */
  acked(requestId: string): boolean {
    const waiters = this.inFlight.get(requestId);
    if (!waiters) return false;
    this.inFlight.delete(requestId);
    for (const waiter of waiters) waiter.resolve();
    return true;
  }

  /** @returns whether the rejection was for a sync of ours. */
  rejected(requestId: string, error: FrameRejectedError): boolean {
    const waiters = this.inFlight.get(requestId);
    if (!waiters) return false;
    this.inFlight.delete(requestId);
    for (const waiter of waiters) waiter.reject(error);
    return true;
  }

  connectionLost(): void {
    for (const waiters of this.inFlight.values()) this.waitingForNextSync.push(...waiters);
    this.inFlight.clear();
  }

  rejectAll(reason: Error): void {
    this.connectionLost();
    const waiters = this.waitingForNextSync;
    this.waitingForNextSync = [];
    for (const waiter of waiters) waiter.reject(reason);
  }
}
