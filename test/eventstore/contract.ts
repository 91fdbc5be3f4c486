import { randomUUID } from 'node:crypto';
import { firstValueFrom, take, toArray, type Subscription } from 'rxjs';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { StreamNotFoundError, WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import type {
  AppendResult,
  EventStore,
  EventToAppend,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
} from '../../src/eventstore/port.ts';

export interface ContractTarget {
  store: EventStore;
  cleanup(): Promise<void>;
}

const event = (type = 'ThingHappened', data: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { source: 'contract' },
});

/** Waits for `count` events from a live subscription, failing after `ms`. */
function collect(store: EventStore, count: number, options: Parameters<EventStore['subscribeToAll']>[0]) {
  return firstValueFrom(store.subscribeToAll(options).pipe(take(count), toArray()));
}

/**
 * `$all` shows a committed event once no older transaction is still running — on a Postgres server that
 * includes other databases' transactions (parallel test files), so a read right after an append may briefly
 * lag. Reads that assert on fresh appends wait until the expected events are visible.
 */
async function visible(read: () => Promise<RecordedEvent[]>, count: number): Promise<RecordedEvent[]> {
  return vi.waitFor(
    async () => {
      const events = await read();
      expect(events.length).toBeGreaterThanOrEqual(count);
      return events;
    },
    { timeout: 5_000, interval: 10 },
  );
}

/** Every adapter under contract offers the multi-stream append. */
function appendToStreams(store: EventStore, appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
  if (!store.appendToStreams) throw new Error(`${store.kind} does not offer appendToStreams`);
  return store.appendToStreams(appends);
}

function succeeded(outcome: StreamAppendOutcome | undefined): AppendResult {
  if (outcome === undefined || outcome instanceof Error)
    throw new Error(`expected an AppendResult, got ${String(outcome)}`);
  return outcome;
}

/**
 * The behaviour every EventStore adapter must share. Each test uses its own stream names (a unique prefix), so
 * the suite can run against a store that already holds events.
 */
export function eventStoreContract(name: string, open: () => Promise<ContractTarget>) {
  describe(`EventStore contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    let prefix: string;
    const stream = (suffix: string) => `${prefix}${suffix}`;

    beforeAll(async () => {
      target = await open();
      store = target.store;
    });
    afterAll(async () => {
      await target.cleanup();
    });
    beforeEach(() => {
      prefix = `c${randomUUID().replaceAll('-', '').slice(0, 12)}_`;
    });

    it('creates a stream with no_stream once, and refuses a second no_stream naming the actual revision', async () => {
      const first = await store.appendToStream(stream('a'), [event(), event()], { expectedRevision: 'no_stream' });
      expect(first.nextExpectedRevision).toBe(1);
      const error = await store
        .appendToStream(stream('a'), [event()], { expectedRevision: 'no_stream' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).actual).toBe(1);
      expect((error as WrongExpectedVersionError).expected).toBe('no_stream');
    });

    it('appends at an exact revision and refuses a stale one', async () => {
      const s = stream('b');
      await store.appendToStream(s, [event()], { expectedRevision: 'no_stream' });
      const second = await store.appendToStream(s, [event()], { expectedRevision: 0 });
      expect(second.nextExpectedRevision).toBe(1);
      const error = await store.appendToStream(s, [event()], { expectedRevision: 0 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).expected).toBe(0);
      expect((error as WrongExpectedVersionError).actual).toBe(1);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('stream_exists refuses a missing stream; any appends whatever the state', async () => {
      const s = stream('c');
      const error = await store
        .appendToStream(s, [event()], { expectedRevision: 'stream_exists' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WrongExpectedVersionError);
      expect((error as WrongExpectedVersionError).actual).toBe('no_stream');
      expect((await store.appendToStream(s, [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(0);
      expect((await store.appendToStream(s, [event()], { expectedRevision: 'any' })).nextExpectedRevision).toBe(1);
      expect(
        (await store.appendToStream(s, [event()], { expectedRevision: 'stream_exists' })).nextExpectedRevision,
      ).toBe(2);
    });

    it('appending the same event ids again is idempotent', async () => {
      const s = stream('d');
      const events = [event(), event()];
      const first = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
      const again = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      expect(await store.readStream(s)).toHaveLength(2);
    });

    it('reads a stream forwards and backwards, from a revision, with a limit', async () => {
      const s = stream('e');
      await store.appendToStream(
        s,
        [0, 1, 2, 3, 4].map((n) => event('Numbered', { n })),
        { expectedRevision: 'no_stream' },
      );
      const forwards = await store.readStream(s);
      expect(forwards.map((e) => e.data.n)).toEqual([0, 1, 2, 3, 4]);
      expect(forwards.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      expect(forwards[0]).toMatchObject({ streamName: s, type: 'Numbered', metadata: { source: 'contract' } });
      expect(forwards[0]!.created).toBeInstanceOf(Date);
      const backwards = await store.readStream(s, { direction: 'backwards', maxCount: 2 });
      expect(backwards.map((e) => e.data.n)).toEqual([4, 3]);
      const middle = await store.readStream(s, { fromRevision: 2, maxCount: 2 });
      expect(middle.map((e) => e.data.n)).toEqual([2, 3]);
      const backFrom = await store.readStream(s, { direction: 'backwards', fromRevision: 1 });
      expect(backFrom.map((e) => e.data.n)).toEqual([1, 0]);
    });

    it('reading a missing stream throws StreamNotFoundError', async () => {
      await expect(store.readStream(stream('missing'))).rejects.toBeInstanceOf(StreamNotFoundError);
    });

    it('orders $all globally; after is exclusive; pages join without gaps', async () => {
      const start = await store.headPosition();
      for (let i = 0; i < 6; i++) {
        await store.appendToStream(stream(`f${i % 2}`), [event('Ordered', { i })], { expectedRevision: 'any' });
      }
      const all = await visible(
        async () =>
          (await store.readAll({ after: start, maxCount: 10_000 })).filter((e) => e.streamName.startsWith(prefix)),
        6,
      );
      expect(all.map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5]);
      const positions = all.map((e) => e.position);
      expect([...positions].sort()).toEqual(positions);
      expect(new Set(positions).size).toBe(positions.length);
      const afterThird = await store.readAll({ after: all[2]!.position, filter: { streamPrefixes: [prefix] } });
      expect(afterThird.map((e) => e.data.i)).toEqual([3, 4, 5]);
      const firstPage = await store.readAll({ after: start, filter: { streamPrefixes: [prefix] }, maxCount: 4 });
      const secondPage = await store.readAll({
        after: firstPage[3]!.position,
        filter: { streamPrefixes: [prefix] },
        maxCount: 4,
      });
      expect([...firstPage, ...secondPage].map((e) => e.data.i)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(await store.headPosition()).toBe(all[5]!.position);
    });

    it('filters $all by event type and by stream prefix', async () => {
      const start = await store.headPosition();
      const typeA = `TypeA${prefix}`;
      const typeB = `TypeB${prefix}`;
      await store.appendToStream(stream('g-1'), [event(typeA), event(typeB)], { expectedRevision: 'no_stream' });
      await store.appendToStream(`other${prefix}`, [event(typeA)], { expectedRevision: 'no_stream' });
      const byType = await visible(() => store.readAll({ after: start, filter: { eventTypes: [typeA] } }), 2);
      expect(byType.map((e) => [e.streamName, e.type])).toEqual([
        [stream('g-1'), typeA],
        [`other${prefix}`, typeA],
      ]);
      const byPrefix = await store.readAll({ after: start, filter: { streamPrefixes: [stream('g-')] } });
      expect(byPrefix.map((e) => e.type)).toEqual([typeA, typeB]);
    });

    it('a subscription catches up, then goes live, without gaps or duplicates', async () => {
      const start = await store.headPosition();
      const filter = { streamPrefixes: [prefix] };
      await store.appendToStream(stream('h'), [event('Seq', { n: 0 }), event('Seq', { n: 1 })], {
        expectedRevision: 'no_stream',
      });
      const received: RecordedEvent[] = [];
      let resolveDone: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      const subscription: Subscription = store.subscribeToAll({ after: start, filter }).subscribe((e) => {
        received.push(e);
        if (received.length === 2) {
          // Caught up: the next appends arrive live.
          void (async () => {
            for (let n = 2; n < 6; n++)
              await store.appendToStream(stream('h'), [event('Seq', { n })], { expectedRevision: 'any' });
          })();
        }
        if (received.length === 6) resolveDone();
      });
      await done;
      subscription.unsubscribe();
      expect(received.map((e) => e.data.n)).toEqual([0, 1, 2, 3, 4, 5]);
    });

    it('restarts from a checkpoint: a new subscription after position P delivers exactly what follows P', async () => {
      const start = await store.headPosition();
      const filter = { streamPrefixes: [prefix] };
      await store.appendToStream(
        stream('i'),
        [0, 1, 2, 3].map((n) => event('Seq', { n })),
        { expectedRevision: 'no_stream' },
      );
      const firstTwo = await collect(store, 2, { after: start, filter });
      const checkpoint = firstTwo[1]!.position;
      const rest = await collect(store, 2, { after: checkpoint, filter });
      expect(rest.map((e) => e.data.n)).toEqual([2, 3]);
    });

    it('many concurrent writers and a live subscriber: every event exactly once, in global order', async () => {
      const start = await store.headPosition();
      const writers = 16;
      const perWriter = 15;
      const total = writers * perWriter;
      const filter = { streamPrefixes: [prefix] };
      const received = collect(store, total, { after: start, filter });
      await Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          for (let n = 0; n < perWriter; n++) {
            // Half the writers share streams, so optimistic concurrency and retries are exercised too.
            const s = stream(`w${w % 8}`);
            for (;;) {
              try {
                await store.appendToStream(s, [event('Written', { w, n })], { expectedRevision: 'any' });
                break;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersionError)) throw error;
              }
            }
          }
        }),
      );
      const events = await received;
      expect(events).toHaveLength(total);
      expect(new Set(events.map((e) => e.id)).size).toBe(total);
      const positions = events.map((e) => e.position);
      expect([...positions].sort()).toEqual(positions);
      for (let w = 0; w < writers; w++) {
        const mine = events.filter((e) => e.data.w === w).map((e) => e.data.n);
        expect(mine).toEqual(Array.from({ length: perWriter }, (_, n) => n));
      }
    });

    describe('appendToStreams (several streams, one outcome each, not atomic)', () => {
      it('appends what holds and refuses what does not, stream by stream', async () => {
        await store.appendToStream(stream('x'), [event()], { expectedRevision: 'no_stream' });
        const outcomes = await appendToStreams(store, [
          { stream: stream('x'), events: [event(), event()], expectedRevision: 0 },
          { stream: stream('y'), events: [event()], expectedRevision: 'no_stream' },
          { stream: stream('z'), events: [event()], expectedRevision: 5 },
          { stream: stream('w'), events: [event()], expectedRevision: 'stream_exists' },
          { stream: stream('v'), events: [event()], expectedRevision: 'any' },
        ]);
        expect(outcomes).toHaveLength(5);
        expect(succeeded(outcomes[0]).nextExpectedRevision).toBe(2);
        expect(succeeded(outcomes[1]).nextExpectedRevision).toBe(0);
        expect(outcomes[2]).toBeInstanceOf(WrongExpectedVersionError);
        expect((outcomes[2] as WrongExpectedVersionError).expected).toBe(5);
        expect((outcomes[2] as WrongExpectedVersionError).actual).toBe('no_stream');
        expect(outcomes[3]).toBeInstanceOf(WrongExpectedVersionError);
        expect(succeeded(outcomes[4]).nextExpectedRevision).toBe(0);
        expect(await store.readStream(stream('x'))).toHaveLength(3);
        await expect(store.readStream(stream('z'))).rejects.toBeInstanceOf(StreamNotFoundError);
        await expect(store.readStream(stream('w'))).rejects.toBeInstanceOf(StreamNotFoundError);
      });

      it('is idempotent by event ids: the same batch again answers the same and writes nothing', async () => {
        await store.appendToStream(stream('b'), [event()], { expectedRevision: 'no_stream' });
        const batch: StreamAppend[] = [
          { stream: stream('a'), events: [event(), event()], expectedRevision: 'no_stream' },
          { stream: stream('b'), events: [event()], expectedRevision: 0 },
        ];
        const first = await appendToStreams(store, batch);
        const again = await appendToStreams(store, batch);
        expect(again).toEqual(first);
        expect(await store.readStream(stream('a'))).toHaveLength(2);
        expect(await store.readStream(stream('b'))).toHaveLength(2);
        // A single append with the same ids is recognised too.
        expect(await store.appendToStream(stream('a'), batch[0]!.events, { expectedRevision: 'no_stream' })).toEqual(
          first[0],
        );
      });

      it('keeps each stream in order in $all, at the positions it answered, after what came before', async () => {
        const before = await store.appendToStream(stream('m'), [event('First')], { expectedRevision: 'no_stream' });
        const outcomes = await appendToStreams(store, [
          {
            stream: stream('n'),
            events: [event('N', { n: 0 }), event('N', { n: 1 }), event('N', { n: 2 })],
            expectedRevision: 'no_stream',
          },
          { stream: stream('m'), events: [event('M', { n: 0 }), event('M', { n: 1 })], expectedRevision: 0 },
        ]);
        const events = await visible(() => store.readAll({ filter: { streamPrefixes: [prefix] } }), 6);
        expect(events).toHaveLength(6);
        expect(events[0]!.position).toBe(before.position);
        const positions = events.map((e) => e.position);
        expect([...positions].sort()).toEqual(positions);
        expect(events.filter((e) => e.type === 'N').map((e) => e.data.n)).toEqual([0, 1, 2]);
        expect(events.filter((e) => e.type === 'M').map((e) => e.data.n)).toEqual([0, 1]);
        expect(succeeded(outcomes[0]).position).toBe(events.filter((e) => e.type === 'N').at(-1)!.position);
        expect(succeeded(outcomes[1]).position).toBe(events.filter((e) => e.type === 'M').at(-1)!.position);
        const m = await store.readStream(stream('m'));
        expect(m.map((e) => [e.type, e.revision])).toEqual([
          ['First', 0],
          ['M', 1],
          ['M', 2],
        ]);
      });

      it('a live subscriber sees every event of concurrent batches exactly once', async () => {
        const start = await store.headPosition();
        const batches = 6;
        const streamsPerBatch = 5;
        const total = batches * streamsPerBatch * 2;
        const received = collect(store, total, { after: start, filter: { streamPrefixes: [prefix] } });
        await Promise.all(
          Array.from({ length: batches }, (_, b) =>
            appendToStreams(
              store,
              Array.from({ length: streamsPerBatch }, (_, s) => ({
                stream: stream(`s${b}_${s}`),
                events: [event('Batched', { b, s, n: 0 }), event('Batched', { b, s, n: 1 })],
                expectedRevision: 'no_stream' as const,
              })),
            ).then((outcomes) => outcomes.forEach(succeeded)),
          ),
        );
        const events = await received;
        expect(new Set(events.map((e) => e.id)).size).toBe(total);
        const positions = events.map((e) => e.position);
        expect([...positions].sort()).toEqual(positions);
      });

      it('refuses a batch naming a stream twice or a stream without events', async () => {
        await expect(
          appendToStreams(store, [
            { stream: stream('d'), events: [event()], expectedRevision: 'any' },
            { stream: stream('d'), events: [event()], expectedRevision: 'any' },
          ]),
        ).rejects.toBeInstanceOf(TypeError);
        await expect(
          appendToStreams(store, [{ stream: stream('e'), events: [], expectedRevision: 'any' }]),
        ).rejects.toBeInstanceOf(TypeError);
        await expect(store.readStream(stream('d'))).rejects.toBeInstanceOf(StreamNotFoundError);
      });
    });

    it('positions are plain strings that survive JSON', async () => {
      const result = await store.appendToStream(stream('j'), [event()], { expectedRevision: 'no_stream' });
      expect(typeof result.position).toBe('string');
      expect(JSON.parse(JSON.stringify({ p: result.position })).p).toBe(result.position);
      const [read] = await store.readStream(stream('j'));
      expect(read!.position).toBe(result.position);
    });
  });
}
