import { randomUUID } from 'node:crypto';
import { Subject, concatMap, delay, of, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AppendSignal } from '../../src/eventstore/append-signal.ts';
import { wakeupFor } from '../../src/eventstore/append-signal.ts';
import { catchUpSubscription } from '../../src/eventstore/catch-up-subscription.ts';
import { IdlePoll } from '../../src/eventstore/idle-poll.ts';
import type { AllFilter, Position, RecordedEvent } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { SharedTail, type TailMember } from '../../src/eventstore/shared-tail.ts';

/**
 * The shared tail over an in-memory log with tiny pages and a tiny window, so that joining behind the window and
 * paging through a burst happen with a handful of events. Every read is counted: own pages and the tail's.
 */
const PAGE = 3;
const WINDOW = 4;

function memoryLog() {
  const events: RecordedEvent[] = [];
  const appends = new Subject<AppendSignal>();
  const reads = { own: 0, tail: 0 };
  const after = (position: Position | null) => events.filter((e) => position === null || e.position > position);
  const matches = (filter: AllFilter | undefined, event: RecordedEvent) =>
    !filter || ('eventTypes' in filter ? filter.eventTypes.includes(event.type) : false);
  const idlePoll = new IdlePoll(async () => events.at(-1)?.position ?? null, 20);
  const tail = new SharedTail({
    readPage: async (position) => {
      reads.tail++;
      return after(position).slice(0, PAGE);
    },
    pageSize: PAGE,
    appends,
    idlePoll,
    windowSize: WINDOW,
  });
  let sequence = 0;
  const subscriptions: Subscription[] = [];

  return {
    reads,
    /** Appends events of these types (one transaction each) and announces them, as a local append does. */
    append(...types: string[]) {
      for (const type of types) {
        sequence++;
        const position = encodePosition(sequence, sequence);
        events.push({
          id: randomUUID(),
          streamName: `s-${sequence}`,
          revision: 0,
          position,
          type,
          data: {},
          metadata: {},
          created: new Date(),
        });
        appends.next({ types: { [type]: encodePosition(sequence, 0) } });
      }
    },
    subscribe(from: Position | null, filter?: AllFilter, slowMs = 0) {
      const received: string[] = [];
      const source = {
        readPage: async (position: Position | null) => {
          reads.own++;
          return after(position)
            .filter((e) => matches(filter, e))
            .slice(0, PAGE);
        },
        pageSize: PAGE,
        filter,
        wakeups: new Subject<Position | null>(),
        idlePoll,
        tail,
      };
      const wakeups = appends.subscribe((signal) => {
        const wakeup = wakeupFor(filter, signal);
        if (wakeup !== false) source.wakeups.next(wakeup.reach);
      });
      const subscription = catchUpSubscription(source, from)
        .pipe(concatMap((event) => (slowMs > 0 ? of(event).pipe(delay(slowMs)) : of(event))))
        .subscribe((event) => received.push(event.streamName));
      subscription.add(wakeups);
      subscriptions.push(subscription);
      return { received, subscription };
    },
    expected(filter: AllFilter | undefined, from = 0) {
      return events.slice(from).flatMap((e) => (matches(filter, e) ? [e.streamName] : []));
    },
    position(index: number) {
      return events[index]!.position;
    },
    close() {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

let log: ReturnType<typeof memoryLog> | null = null;
afterEach(() => log?.close());

describe('SharedTail', () => {
  it('a member that throws on an event fails every member (they subscribe again) instead of ending the process', async () => {
    const events: RecordedEvent[] = [];
    const appends = new Subject<AppendSignal>();
    const tail = new SharedTail({
      readPage: async (after) => events.filter((e) => after === null || e.position > after).slice(0, PAGE),
      pageSize: PAGE,
      appends,
      idlePoll: new IdlePoll(async () => events.at(-1)?.position ?? null, 20),
      windowSize: WINDOW,
    });
    const bug = new Error('a subscriber bug');
    const failures: unknown[] = [];
    const member = (next: () => void): TailMember => ({
      filter: undefined,
      cursor: null,
      next,
      error: (error) => failures.push(error),
    });
    expect(
      tail.join(
        member(() => {}),
        null,
      ),
    ).toBe(true);
    expect(
      tail.join(
        member(() => {
          throw bug;
        }),
        null,
      ),
    ).toBe(true);
    const position = encodePosition(1, 1);
    events.push({
      id: randomUUID(),
      streamName: 's-1',
      revision: 0,
      position,
      type: 'X',
      data: {},
      metadata: {},
      created: new Date(),
    });
    appends.next({ types: { X: encodePosition(1, 0) } });
    await vi.waitFor(() => expect(failures).toEqual([bug, bug]));
    expect(tail.through).toBeUndefined(); // stopped: the next join starts it again from its own read
  });

  it('serves several live filtered subscriptions from one read per wake-up: order and exactly once', async () => {
    log = memoryLog();
    const a = log.subscribe(null, { eventTypes: ['A'] });
    await vi.waitFor(() => expect(log!.reads.own).toBe(1)); // the first starts the tail
    const b = log.subscribe(null, { eventTypes: ['B'] });
    const both = log.subscribe(null, { eventTypes: ['A', 'B'] });
    const all = log.subscribe(null);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(log.reads.own).toBe(1); // the others joined from the tail's (empty) window

    log.append('A', 'C', 'B', 'A', 'B', 'C', 'A');
    await vi.waitFor(() => expect(all.received).toEqual(log!.expected(undefined)));
    expect(a.received).toEqual(log.expected({ eventTypes: ['A'] }));
    expect(b.received).toEqual(log.expected({ eventTypes: ['B'] }));
    expect(both.received).toEqual(log.expected({ eventTypes: ['A', 'B'] }));
    expect(log.reads.own).toBe(1);
    // Seven events in pages of three: three reads for everyone, where each subscription used to read for itself.
    expect(log.reads.tail).toBeLessThanOrEqual(4);
  });

  it('a subscription joins from the window at its own position and leaves without disturbing the others', async () => {
    log = memoryLog();
    const all = log.subscribe(null);
    await vi.waitFor(() => expect(log!.reads.own).toBe(1)); // live: the tail runs
    log.append('A', 'B', 'A');
    await vi.waitFor(() => expect(all.received).toHaveLength(3));

    // Joins after the first event, inside the window: the two after it at once, no read of its own.
    const late = log.subscribe(log.position(0), { eventTypes: ['A', 'B'] });
    await vi.waitFor(() => expect(late.received).toEqual(log!.expected(undefined, 1)));
    expect(log.reads.own).toBe(1);

    log.append('B');
    await vi.waitFor(() => expect(late.received).toEqual(log!.expected(undefined, 1)));
    late.subscription.unsubscribe();
    log.append('A', 'A');
    await vi.waitFor(() => expect(all.received).toEqual(log!.expected(undefined)));
    expect(late.received).toEqual(log.expected(undefined, 1).slice(0, 3));

    // The last one leaves: the tail stops reading; a new subscription starts it again.
    all.subscription.unsubscribe();
    const readsWhenStopped = log.reads.tail;
    log.append('A');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(log.reads.tail).toBe(readsWhenStopped);
    const again = log.subscribe(log.position(5), { eventTypes: ['A'] });
    await vi.waitFor(() => expect(again.received).toEqual([log!.expected(undefined).at(-1)]));
  });

  it('a subscription behind the window reads its own pages, then joins and gets the rest once', async () => {
    log = memoryLog();
    const live = log.subscribe(null);
    await vi.waitFor(() => expect(log!.reads.own).toBe(1));
    log.append('A', 'B', 'A', 'B', 'A', 'B', 'A', 'B');
    await vi.waitFor(() => expect(live.received).toHaveLength(8));

    // The window holds the last four: from the start, it pages through the first ones itself.
    const behind = log.subscribe(null, { eventTypes: ['A'] });
    await vi.waitFor(() => expect(behind.received).toEqual(log!.expected({ eventTypes: ['A'] })));
    expect(log.reads.own).toBeGreaterThan(1);
    log.append('B', 'A');
    await vi.waitFor(() => expect(behind.received).toEqual(log!.expected({ eventTypes: ['A'] })));
    expect(live.received).toEqual(log.expected(undefined));
  });

  it('a slow consumer gets every event in order once, and the tail does not wait for it: the others stay live', async () => {
    log = memoryLog();
    const fast = log.subscribe(null);
    const slow = log.subscribe(null, undefined, 15);
    await vi.waitFor(() => expect(log!.reads.own).toBeGreaterThanOrEqual(1));
    log.append('A', 'B', 'A', 'B', 'A', 'B', 'A', 'B', 'A', 'B');
    await vi.waitFor(() => expect(fast.received).toEqual(log!.expected(undefined)));
    // The fast one had all ten while the slow one was still at its first events: the tail did not wait for it.
    expect(slow.received.length).toBeLessThan(10);
    await vi.waitFor(() => expect(slow.received).toEqual(log!.expected(undefined)), { timeout: 5000 });
  });
});
