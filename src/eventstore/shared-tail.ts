import type { Observable, Subscription } from 'rxjs';
import { wakeupFor, type AppendSignal } from './append-signal.ts';
import type { IdlePoll } from './idle-poll.ts';
import type { AllFilter, Position, RecordedEvent } from './port.ts';
import { hasReached, maxPosition } from './position.ts';

export interface SharedTailSource {
  /** One unfiltered page of `$all` strictly after `after`, in global order. */
  readPage(after: Position | null): Promise<RecordedEvent[]>;
  pageSize: number;
  /** Every append signal of the store, unfiltered: the tail matches them against its members' filters. */
  appends: Observable<AppendSignal>;
  idlePoll: IdlePoll;
  /** Events of the newest reads kept for subscriptions that join a little behind the tail (default: pageSize). */
  windowSize?: number;
}

/** A live subscription as the tail sees it. */
export interface TailMember {
  readonly filter: AllFilter | undefined;
  /** The last event delivered to it (or where it started): the tail delivers only what lies after. */
  cursor: Position | null;
  next(event: RecordedEvent): void;
  error(error: unknown): void;
}

interface Joined {
  member: TailMember;
  matches: (event: RecordedEvent) => boolean;
  active: boolean;
}

/** First re-read after a wake-up whose event was not readable yet; doubles below the poll interval. */
const FIRST_RETRY_MS = 2;

/**
 * The one reader of a store's tail, shared by every subscription that is live (caught up). After a wake-up that
 * concerns one of them — or the idle poll finding the head past what was read — it reads one page of `$all` after
 * the last event it read, unfiltered, and hands each event to every member whose filter it matches and whose
 * cursor it lies after: global order, each event once per member. A lone remote command wakes the tail about
 * once per append, instead of every subscription that follows one of its types running its own read.
 *
 * The events of its newest reads stay in a window (bounded: `windowSize` events), so a subscription that starts a
 * little behind the tail (a projection runner resubscribing from its checkpoint after applying a page) joins
 * without a read of its own. One further behind reads its own pages (catch-up-subscription.ts) until it has read
 * through the window's start, then joins. Delivery is a synchronous call, as with a subscription's own reads:
 * the tail holds no queue per member, only the page in hand and the window.
 *
 * A wake-up no member follows is remembered until the next read starts, so a subscription that joins from the
 * window asks for the read that event needs. The tail stops (no wake-up subscription, no poll, no window) when its
 * last member leaves; a failed read fails every member, as a subscription's own failed read failed it.
 *
 * Sound for the same reason as the idle poll: the visible log only grows at its end, so whatever becomes readable
 * later (a transaction that commits late behind the read horizon) lies after everything the tail has read.
 */
export class SharedTail {
  readonly #members = new Set<Joined>();
  readonly #windowSize: number;
  /** Events read after `#windowStart` through `#through`, all of them (the tail reads unfiltered). */
  #window: RecordedEvent[] = [];
  #windowStart: Position | null = null;
  #through: Position | null = null;
  /** What the idle poll must pass to wake the tail: `#through`, or a head polled before the last short page. */
  #readThrough: Position | null = null;
  #warm = false;
  #signals: Subscription | null = null;
  #signalled = false;
  /** The highest announced position a member wants that was not read past yet (read-horizon retries). */
  #announced: Position | null = null;
  /** Announced types no member followed, since the last read started (see join). */
  #unclaimed: Record<string, Position> = {};
  #unclaimedUntyped = false;
  #retryMs = FIRST_RETRY_MS;
  #wake: (() => void) | null = null;

  constructor(private readonly source: SharedTailSource) {
    this.#windowSize = source.windowSize ?? source.pageSize;
  }

  /**
   * Where the tail has read through, while it runs: a read that starts after this call sees everything up to it
   * (a subscription reading its own page may count it as read through). Undefined while the tail is stopped.
   */
  get through(): Position | null | undefined {
    return this.#warm ? this.#through : undefined;
  }

  /**
   * Joins `member` if the tail can serve it from its cursor on: it hands it the window's events after its cursor
   * at once, then every later one. `readThrough` is how far the member's own reads have seen its events (at least
   * its cursor), undefined when it has not read yet; a stopped tail starts from there. `pending` is a wake-up the
   * member received since its last read began. False: the member must read on (it is behind the window).
   */
  join(member: TailMember, readThrough?: Position | null, pending?: { reach: Position | null }): boolean {
    const starting = !this.#warm;
    if (starting) {
      if (readThrough === undefined) return false;
      this.#start(readThrough);
    } else if (this.#windowStart !== null && !hasReached(readThrough ?? member.cursor, this.#windowStart)) {
      return false;
    }
    const joined: Joined = { member, matches: matcher(member.filter), active: true };
    this.#members.add(joined);
    for (const event of this.#window) if (joined.active) offer(joined, event);
    if (starting) void this.#run().catch((error: unknown) => this.#abandon(error));
    if (pending) this.#want(pending.reach);
    this.#claimUnclaimed(member.filter);
    return true;
  }

  leave(member: TailMember): void {
    for (const joined of this.#members) {
      if (joined.member !== member) continue;
      joined.active = false;
      this.#members.delete(joined);
    }
    // The loop notices and stops the tail (no timer or wake-up subscription left for nobody).
    if (this.#members.size === 0) this.#wake?.();
  }

  #start(from: Position | null): void {
    this.#warm = true;
    this.#window = [];
    this.#windowStart = from;
    this.#through = from;
    this.#readThrough = from;
    this.#signals = this.source.appends.subscribe((signal) => this.#onSignal(signal));
  }

  #stop(): void {
    this.#warm = false;
    this.#signals?.unsubscribe();
    this.#signals = null;
    this.#window = [];
    this.#signalled = false;
    this.#announced = null;
    this.#clearUnclaimed();
  }

  /**
   * The reader loop failed outside its page read (nothing known throws there; a rejection left unhandled would end
   * the process): every member fails and subscribes again, as after a failed read, and the tail starts cold.
   */
  #abandon(error: unknown): void {
    this.#failMembers(error);
    this.#stop();
  }

  async #run(): Promise<void> {
    // A join right after start brings its own wake-up; a read at once is only needed for what it says.
    await this.#idleWait();
    while (this.#members.size > 0) {
      this.#signalled = false;
      this.#clearUnclaimed();
      // Polled before this read starts, so a short page reads through it (see IdlePoll.latestHead).
      const headBefore = this.source.idlePoll.latestHead ?? null;
      let page: RecordedEvent[];
      try {
        page = await this.source.readPage(this.#through);
      } catch (error) {
        this.#failMembers(error);
        break;
      }
      for (const event of page) this.#accept(event);
      this.#trimWindow();
      if (page.length < this.source.pageSize) {
        this.#readThrough = maxPosition(this.#through, headBefore);
        await this.#idleWait();
      }
    }
    this.#stop();
  }

  #accept(event: RecordedEvent): void {
    this.#window.push(event);
    this.#through = event.position;
    for (const joined of this.#members) if (joined.active) offer(joined, event);
  }

  #trimWindow(): void {
    const excess = this.#window.length - this.#windowSize;
    if (excess <= 0) return;
    this.#windowStart = this.#window[excess - 1]!.position;
    this.#window = this.#window.slice(excess);
  }

  #failMembers(error: unknown): void {
    const failed = [...this.#members];
    this.#members.clear();
    for (const joined of failed) {
      joined.active = false;
      joined.member.error(error);
    }
  }

  #onSignal(signal: AppendSignal): void {
    let claimed = false;
    for (const { member } of this.#members) {
      const wakeup = wakeupFor(member.filter, signal);
      if (wakeup === false) continue;
      claimed = true;
      this.#announced = maxPosition(this.#announced, wakeup.reach);
    }
    if (claimed) return this.#want(null);
    if (signal.types === undefined) this.#unclaimedUntyped = true;
    else
      for (const [type, position] of Object.entries(signal.types))
        this.#unclaimed[type] = maxPosition(this.#unclaimed[type] ?? null, position)!;
  }

  /** A member joining from the window wants the read that a wake-up nobody followed until now asked for. */
  #claimUnclaimed(filter: AllFilter | undefined): void {
    if (this.#unclaimedUntyped) return this.#want(null);
    if (Object.keys(this.#unclaimed).length === 0) return;
    const wakeup = wakeupFor(filter, { types: this.#unclaimed });
    if (wakeup !== false) this.#want(wakeup.reach);
  }

  #clearUnclaimed(): void {
    this.#unclaimed = {};
    this.#unclaimedUntyped = false;
  }

  #want(reach: Position | null): void {
    this.#announced = maxPosition(this.#announced, reach);
    this.#signalled = true;
    this.#wake?.();
  }

  /** Waits until `arm`'s trigger, a wake-up or the last member's leaving; `arm` returns its own disarm. */
  #sleepUntil(arm: (done: () => void) => () => void): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#signalled || this.#members.size === 0) return resolve();
      let disarm: (() => void) | null = null;
      const done = () => {
        disarm?.();
        this.#wake = null;
        resolve();
      };
      disarm = arm(done);
      this.#wake = done;
    });
  }

  /**
   * After a short page: a wake-up whose event the read did not return yet (an older transaction still holds the
   * read horizon back) is retried after 2, 4, 8… ms below the poll interval, since no unrelated append comes to
   * give it another chance; otherwise (and after that) the shared idle poll wakes the tail once the head moves.
   */
  #idleWait(): Promise<void> {
    if (this.#announced !== null && hasReached(this.#through, this.#announced)) this.#announced = null;
    if (this.#announced !== null && this.#retryMs < this.source.idlePoll.intervalMs) {
      const ms = this.#retryMs;
      this.#retryMs *= 2;
      return this.#sleepUntil((done) => {
        const timeout = setTimeout(done, ms);
        return () => clearTimeout(timeout);
      });
    }
    this.#announced = null;
    this.#retryMs = FIRST_RETRY_MS;
    return this.#sleepUntil((done) => this.source.idlePoll.whenHeadPasses(this.#readThrough, done));
  }
}

/** Hands `event` to the member if it lies after the member's cursor and passes its filter. */
function offer(joined: Joined, event: RecordedEvent): void {
  const { member } = joined;
  if (member.cursor !== null && event.position <= member.cursor) return;
  if (!joined.matches(event)) return;
  member.cursor = event.position;
  member.next(event);
}

function matcher(filter: AllFilter | undefined): (event: RecordedEvent) => boolean {
  if (!filter) return () => true;
  if ('eventTypes' in filter) {
    const types = new Set(filter.eventTypes);
    return (event) => types.has(event.type);
  }
  const prefixes = filter.streamPrefixes;
  return (event) => prefixes.some((prefix) => event.streamName.startsWith(prefix));
}
