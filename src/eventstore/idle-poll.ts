import type { Position } from './port.ts';
import { hasReached, maxPosition } from './position.ts';
import { SharedRead } from './shared-read.ts';

interface IdleWaiter {
  readThrough: Position | null;
  wake: () => void;
}

/**
 * The fallback poll of one store's idle subscriptions, shared: once per period, one read of the log's head (the
 * newest position a reader of `$all` can see), and only the subscriptions that have not read through that head
 * are woken to run their own catch-up read. An idle server costs one cheap head read per period, not one
 * filtered page read per subscription.
 *
 * Sound because the visible log only ever grows at its end: the head read applies the same visibility rule as
 * page reads (on PostgreSQL the same read horizon), so an event that becomes readable — a late commit behind the
 * horizon, a wake-up that was never signalled — moves the head past every subscription that has not read it, and
 * the next poll wakes them. A head still hidden behind the horizon is hidden from their reads too: nothing to read
 * yet, and the poll after it becomes visible wakes them.
 */
export class IdlePoll {
  readonly #head: SharedRead<Position | null>;
  readonly #waiters = new Set<IdleWaiter>();
  #timer: NodeJS.Timeout | null = null;
  #polling = false;
  /** The answer of the newest head read that completed; undefined before the first. */
  #latestHead: Position | null | undefined = undefined;

  constructor(
    readHead: () => Promise<Position | null>,
    readonly intervalMs: number,
  ) {
    this.#head = new SharedRead(readHead);
  }

  /**
   * The head as of the newest completed poll (undefined before the first). A read that starts after this call
   * sees at least that far, so a short page read started after it has read through it.
   */
  get latestHead(): Position | null | undefined {
    return this.#latestHead;
  }

  /**
   * Reads the head now (shared with concurrent callers and the poll, see SharedRead) and remembers it as the
   * latest: a subscription that starts the shared tail starts it there, not from an old cursor of its own.
   */
  async readHead(): Promise<Position | null> {
    const head = await this.#head.get();
    this.#latestHead = maxPosition(this.#latestHead ?? null, head);
    return head;
  }

  /**
   * Calls `wake` once, at the first poll whose head lies past `readThrough` (everything up to it was read) — or
   * whose head read failed: the subscription's own read then meets, and reports, the failure. Returns a function
   * that cancels the wait (a wake-up came from elsewhere, or the subscription stopped).
   */
  whenHeadPasses(readThrough: Position | null, wake: () => void): () => void {
    const waiter: IdleWaiter = { readThrough, wake };
    this.#waiters.add(waiter);
    this.#schedule();
    return () => {
      this.#waiters.delete(waiter);
      if (this.#waiters.size === 0 && this.#timer !== null) {
        // Nobody waits: no timer keeps the process alive, and no head is read for nobody.
        clearTimeout(this.#timer);
        this.#timer = null;
      }
    };
  }

  #schedule(): void {
    if (this.#timer !== null || this.#polling || this.#waiters.size === 0) return;
    this.#timer = setTimeout(() => void this.#poll(), this.intervalMs);
  }

  async #poll(): Promise<void> {
    this.#timer = null;
    this.#polling = true;
    let head: Position | null | 'failed';
    try {
      head = await this.#head.get();
      this.#latestHead = head;
    } catch {
      head = 'failed';
    } finally {
      this.#polling = false;
    }
    for (const waiter of [...this.#waiters]) {
      if (head === 'failed' || isBehind(waiter.readThrough, head)) {
        this.#waiters.delete(waiter);
        waiter.wake();
      }
    }
    this.#schedule();
  }
}

/** Whether a reader that has read through `readThrough` has something left to read below `head`. */
function isBehind(readThrough: Position | null, head: Position | null): boolean {
  return head !== null && !hasReached(readThrough, head);
}
