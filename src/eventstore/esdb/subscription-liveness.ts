/**
 * A liveness deadline for a confirmed `$all` subscription.
 *
 * The client's HTTP/2 keepalive (10 s) notices a dead connection, not a server that keeps the connection alive and
 * stops serving one subscription (a stuck subscription service, a proxy holding the stream): the projection or
 * follower on it would then stand still forever. Silence alone proves nothing — a quiet log sends nothing either
 * — so after `idleMs` without a message (event, checkpoint, caughtUp) the head of `$all` is read: if it is past
 * everything the subscription has reported (its last event or checkpoint), the server holds events it did not
 * send, and the subscription is failed (transient: resubscribed from its last delivered position). A head that a
 * resubscription already answered for is not probed again, so a filter whose non-matching tail is shorter than a
 * checkpoint interval costs at most one resubscription per new head, not one per idle period. A head read that
 * fails counts as a stall too: the resubscription then backs off until the store answers.
 */
import type { Position } from '../port.ts';

export interface LivenessSettings {
  /** Silence after which the head is probed (EVENT_STORE_SUBSCRIPTION_IDLE_MS). */
  idleMs: number;
  /**
   * The head of `$all` as readers see it (system events skipped); throws when the store does not answer. The
   * adapter shares one read between its subscriptions' watches (SharedRead.recent): an answer up to `idleMs` old,
   * so a stall may be noticed one idle period later, and a store with many quiet subscriptions answers about one
   * head read per idle period.
   */
  head: () => Promise<Position | null>;
}

export class SubscriptionStalledError extends Error {
  override readonly name = 'SubscriptionStalledError';
}

/** One watch per native subscription; `heard` on every message, `stop` when it ends. */
export class SubscriptionLiveness {
  #timer: NodeJS.Timeout | undefined;
  #lastHeardAt = Date.now();
  #reported: Position | null;
  #stopped = false;

  /**
   * `answered` is shared by the native subscriptions of one port subscription: the heads a resubscription has
   * already been made for.
   */
  constructor(
    private readonly settings: LivenessSettings,
    reportedSoFar: Position | null,
    private readonly answered: { head: Position | null },
    private readonly onStall: (error: Error) => void,
  ) {
    this.#reported = reportedSoFar;
  }

  start(): void {
    this.#arm(this.settings.idleMs);
  }

  /** A message arrived; `position` is an event's or a checkpoint's. */
  heard(position?: Position): void {
    this.#lastHeardAt = Date.now();
    if (position !== undefined && (this.#reported === null || position > this.#reported)) this.#reported = position;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #arm(ms: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#check(), ms);
  }

  async #check(): Promise<void> {
    const silentFor = Date.now() - this.#lastHeardAt;
    if (silentFor < this.settings.idleMs) return this.#arm(this.settings.idleMs - silentFor);
    let head: Position | null;
    try {
      head = await this.settings.head();
    } catch (error) {
      if (!this.#stopped)
        this.onStall(new SubscriptionStalledError('the head of $all could not be read', { cause: error }));
      return;
    }
    if (this.#stopped) return;
    const behind = head !== null && (this.#reported === null || head > this.#reported);
    if (behind && head !== this.answered.head && Date.now() - this.#lastHeardAt >= this.settings.idleMs) {
      this.answered.head = head;
      this.onStall(
        new SubscriptionStalledError(
          `EventStoreDB sent nothing on a $all subscription for ${this.settings.idleMs} ms while $all grew past it`,
        ),
      );
      return;
    }
    this.#arm(this.settings.idleMs);
  }
}
