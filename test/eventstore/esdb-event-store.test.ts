/**
 * The EventStoreDB adapter against the test double (and a real server when TEST_EVENTSTORE_URL is set).
 * Stream names and event types are unique per run, so a real server's existing data does not interfere.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, timeout, toArray, type Observable } from 'rxjs';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { AppendTooLargeError, StreamNotFoundError, WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import { isPosition } from '../../src/eventstore/position.ts';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import type { EsdbTestServer } from '../support/esdb-test-server.ts';
import { esdbTargets } from '../support/esdb-targets.ts';

const FAST_BACKOFF = { initialDelayMs: 10, maxDelayMs: 200, maxAttempts: 30 };

function event(type: string, data: Record<string, unknown> = {}): EventToAppend {
  return { id: randomUUID(), type, data, metadata: { actor: { kind: 'system', id: 'test' } } };
}

function collect(events: Observable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  return firstValueFrom(events.pipe(take(count), toArray(), timeout(10_000)));
}

describe.each(esdbTargets({ includeLegacyAppend: true }))('EsdbEventStore on $name', (target) => {
  let store: EsdbEventStore;
  let double: EsdbTestServer | null;
  let stop: () => Promise<void>;
  const run = randomUUID().slice(0, 8);
  const stream = (name: string) => `esdbtest_${run}_${name}-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    const started = await target.start();
    double = started.double;
    stop = started.stop;
    store = new EsdbEventStore(started.url, { backoff: FAST_BACKOFF, pingTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await store.close();
    await stop();
  });

  describe('appendToStream', () => {
    it('honours all four expected revisions', async () => {
      const name = stream('rev');
      const first = await store.appendToStream(name, [event('Created')], { expectedRevision: 'no_stream' });
      expect(first.nextExpectedRevision).toBe(0);
      expect(isPosition(first.position)).toBe(true);
      const second = await store.appendToStream(name, [event('Changed')], { expectedRevision: 'stream_exists' });
      expect(second.nextExpectedRevision).toBe(1);
      const third = await store.appendToStream(name, [event('Changed'), event('Changed')], { expectedRevision: 1 });
      expect(third.nextExpectedRevision).toBe(3);
      const fourth = await store.appendToStream(name, [event('Changed')], { expectedRevision: 'any' });
      expect(fourth.nextExpectedRevision).toBe(4);
      expect([first.position, second.position, third.position, fourth.position]).toEqual(
        [first.position, second.position, third.position, fourth.position].sort(),
      );
      expect(new Set([first.position, second.position, third.position, fourth.position]).size).toBe(4);
    });

    it('reports wrong expected versions with the stream, the expectation and the actual revision', async () => {
      const name = stream('wev');
      await expect(
        store.appendToStream(name, [event('X')], { expectedRevision: 'stream_exists' }),
      ).rejects.toMatchObject({
        name: 'WrongExpectedVersionError',
        streamName: name,
        expected: 'stream_exists',
        actual: 'no_stream',
      });
      await expect(store.appendToStream(name, [event('X')], { expectedRevision: 0 })).rejects.toMatchObject({
        expected: 0,
        actual: 'no_stream',
      });
      await store.appendToStream(name, [event('X'), event('Y')], { expectedRevision: 'no_stream' });
      const noStream = store.appendToStream(name, [event('Z')], { expectedRevision: 'no_stream' });
      await expect(noStream).rejects.toBeInstanceOf(WrongExpectedVersionError);
      await expect(noStream).rejects.toMatchObject({ expected: 'no_stream', actual: 1 });
      await expect(store.appendToStream(name, [event('Z')], { expectedRevision: 0 })).rejects.toMatchObject({
        expected: 0,
        actual: 1,
      });
    });

    it('treats a repeated append of the same event ids as already done', async () => {
      const name = stream('idem');
      const events = [event('A'), event('B')];
      const first = await store.appendToStream(name, events, { expectedRevision: 'no_stream' });
      const again = await store.appendToStream(name, events, { expectedRevision: 'no_stream' });
      expect(again).toEqual(first);
      const later = await store.appendToStream(name, [events[1] as EventToAppend], { expectedRevision: 0 });
      expect(later.nextExpectedRevision).toBe(1);
      expect(await store.readStream(name)).toHaveLength(2);
    });
  });

  describe('the 1 MiB append limit (MaxAppendSize)', () => {
    const bulky = (bytes: number): EventToAppend => ({ ...event('Bulky'), data: { blob: 'x'.repeat(bytes) } });

    it('refuses one append over it with AppendTooLargeError, and appendToStreams splits a larger part under it', async () => {
      const name = stream('size');
      const events = [bulky(600_000), bulky(600_000)];
      await expect(store.appendToStream(name, events, { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
        AppendTooLargeError,
      );
      await expect(store.readStream(name)).rejects.toBeInstanceOf(StreamNotFoundError);
      const [outcome] = await store.appendToStreams([{ stream: name, events, expectedRevision: 'no_stream' }]);
      expect(outcome).toMatchObject({ nextExpectedRevision: 1 });
      expect((await store.readStream(name)).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });
  });

  describe('readStream', () => {
    let name: string;
    beforeAll(async () => {
      name = stream('read');
      await store.appendToStream(
        name,
        [0, 1, 2, 3, 4].map((n) => event('Numbered', { n })),
        { expectedRevision: 'no_stream' },
      );
    });

    it('reads forwards and backwards, from a revision, up to a count', async () => {
      const forwards = await store.readStream(name);
      expect(forwards.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
      expect(forwards.map((e) => e.data)).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
      expect(forwards[0]).toMatchObject({
        streamName: name,
        type: 'Numbered',
        metadata: { actor: { kind: 'system', id: 'test' } },
      });
      expect(forwards[0]?.created).toBeInstanceOf(Date);
      expect((await store.readStream(name, { fromRevision: 2, maxCount: 2 })).map((e) => e.revision)).toEqual([2, 3]);
      expect((await store.readStream(name, { direction: 'backwards' })).map((e) => e.revision)).toEqual([
        4, 3, 2, 1, 0,
      ]);
      expect(
        (await store.readStream(name, { direction: 'backwards', fromRevision: 3, maxCount: 2 })).map((e) => e.revision),
      ).toEqual([3, 2]);
    });

    it('throws StreamNotFoundError for a stream without events', async () => {
      const missing = stream('missing');
      await expect(store.readStream(missing)).rejects.toBeInstanceOf(StreamNotFoundError);
      await expect(store.readStream(missing, { direction: 'backwards' })).rejects.toMatchObject({
        streamName: missing,
      });
    });
  });

  describe('readAll and headPosition', () => {
    it('reads strictly after a position, without system events', async () => {
      const name = stream('all');
      const before = await store.headPosition();
      const appended = await store.appendToStream(name, [event('First'), event('Second'), event('Third')], {
        expectedRevision: 'no_stream',
      });
      expect(await store.headPosition()).toBe(appended.position);
      const mine = (await store.readAll({ after: before, maxCount: 10_000 })).filter((e) => e.streamName === name);
      expect(mine.map((e) => e.type)).toEqual(['First', 'Second', 'Third']);
      const afterFirst = await store.readAll({ after: mine[0]?.position ?? null, maxCount: 2 });
      expect(afterFirst[0]?.position).toBe(mine[1]?.position);
      expect(afterFirst.every((e) => !e.type.startsWith('$') && !e.streamName.startsWith('$'))).toBe(true);
      expect(await store.readAll({ after: appended.position })).toEqual([]);
    });

    it('starts from the beginning of the log without system events', async () => {
      const page = await store.readAll({ maxCount: 50 });
      expect(page.length).toBeGreaterThan(0);
      expect(page.some((e) => e.type.startsWith('$') || e.streamName.startsWith('$'))).toBe(false);
      const positions = page.map((e) => e.position);
      expect(positions).toEqual([...positions].sort());
    });

    it('filters by exact event types (names are not patterns) and by stream prefixes', async () => {
      const typeA = `Ty.${run}`;
      const lookalike = `TyX${run}`;
      const prefix = `esdbtest_${run}_filter`;
      const before = await store.headPosition();
      await store.appendToStream(`${prefix}-1`, [event(typeA), event(lookalike)], { expectedRevision: 'any' });
      await store.appendToStream(stream('other'), [event(typeA)], { expectedRevision: 'any' });
      await store.appendToStream(`${prefix}-2`, [event('Other')], { expectedRevision: 'any' });
      const byType = await store.readAll({ after: before, filter: { eventTypes: [typeA] } });
      expect(byType.map((e) => e.type)).toEqual([typeA, typeA]);
      const byPrefix = await store.readAll({ after: before, filter: { streamPrefixes: [prefix] } });
      expect(byPrefix.map((e) => e.streamName)).toEqual([`${prefix}-1`, `${prefix}-1`, `${prefix}-2`]);
      const limited = await store.readAll({ after: before, filter: { streamPrefixes: [prefix] }, maxCount: 1 });
      expect(limited).toHaveLength(1);
    });

    it('skips system events for the head position', async () => {
      const appended = await store.appendToStream(stream('head'), [event('Last')], { expectedRevision: 'any' });
      // System records after ours: a `$`-named stream and type, as the server writes (stats, settings, metadata).
      await store.appendToStream(`$${stream('sys')}`, [event('$statsCollected')], { expectedRevision: 'any' });
      double?.appendSystemEvent('$settings', '$settings');
      expect(await store.headPosition()).toBe(appended.position);
    });
  });

  describe('subscribeToAll', () => {
    it('catches up, then goes live, each event once and in order', async () => {
      const prefix = `esdbtest_${run}_sub`;
      const before = await store.headPosition();
      await store.appendToStream(`${prefix}-1`, [event('A'), event('B')], { expectedRevision: 'no_stream' });
      const received = collect(store.subscribeToAll({ after: before, filter: { streamPrefixes: [prefix] } }), 5);
      await store.appendToStream(`${prefix}-1`, [event('C')], { expectedRevision: 1 });
      await store.appendToStream(stream('noise'), [event('Noise')], { expectedRevision: 'any' });
      await store.appendToStream(`${prefix}-2`, [event('D'), event('E')], { expectedRevision: 'no_stream' });
      const events = await received;
      expect(events.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
      const positions = events.map((e) => e.position);
      expect(new Set(positions).size).toBe(5);
      expect(positions).toEqual([...positions].sort());
    });

    it('delivers strictly after `after` and matches event-type filters', async () => {
      const type = `Sub.${run}`;
      const first = await store.appendToStream(stream('subtype'), [event(type, { n: 1 })], {
        expectedRevision: 'no_stream',
      });
      await store.appendToStream(stream('subtype'), [event(`SubX${run}`), event(type, { n: 2 })], {
        expectedRevision: 'no_stream',
      });
      const [next] = await collect(store.subscribeToAll({ after: first.position, filter: { eventTypes: [type] } }), 1);
      expect(next?.data).toEqual({ n: 2 });
    });

    it.skipIf(!target.isDouble)(
      'resubscribes after a dropped subscription without skipping or repeating (needs the double: breaks the server)',
      async () => {
        const server = double!;
        const prefix = `esdbtest_${run}_drop`;
        const before = await store.headPosition();
        const received: RecordedEvent[] = [];
        let resolveCount: (() => void) | null = null;
        let wanted = 0;
        const reached = (count: number) =>
          new Promise<void>((resolve) => {
            wanted = count;
            resolveCount = resolve;
            if (received.length >= count) resolve();
          });
        const subscription = store
          .subscribeToAll({ after: before, filter: { streamPrefixes: [prefix] } })
          .subscribe((e) => {
            received.push(e);
            if (received.length >= wanted) resolveCount?.();
          });
        try {
          await store.appendToStream(`${prefix}-1`, [event('A'), event('B')], { expectedRevision: 'no_stream' });
          await reached(2);
          server.dropSubscriptions();
          await store.appendToStream(`${prefix}-1`, [event('C')], { expectedRevision: 1 });
          await reached(3);
          await server.restart();
          await store.appendToStream(`${prefix}-1`, [event('D'), event('E')], { expectedRevision: 2 });
          await reached(5);
          expect(received.map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
          expect(received.map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
        } finally {
          subscription.unsubscribe();
        }
      },
    );

    it.skipIf(!target.isDouble)(
      'ends the native subscription on unsubscribe (needs the double: counts server-side subscriptions)',
      async () => {
        const server = double!;
        const prefix = `esdbtest_${run}_unsub`;
        await store.appendToStream(`${prefix}-1`, [event('A')], { expectedRevision: 'no_stream' });
        const idle = server.subscriptionCount;
        await collect(store.subscribeToAll({ filter: { streamPrefixes: [prefix] } }), 1);
        await expect.poll(() => server.subscriptionCount).toBe(idle);
      },
    );
  });

  describe('values that reach JSON', () => {
    it('never carry a BigInt', async () => {
      const name = stream('json');
      const appended = await store.appendToStream(name, [event('A', { big: '1' })], { expectedRevision: 'no_stream' });
      const read = await store.readStream(name);
      const page = await store.readAll({ after: null, maxCount: 5 });
      const [live] = await collect(store.subscribeToAll({ filter: { streamPrefixes: [name] } }), 1);
      for (const value of [appended, read, page, live, await store.headPosition()]) {
        expect(() => JSON.stringify(value)).not.toThrow();
      }
      expect(typeof read[0]?.revision).toBe('number');
      expect(typeof appended.nextExpectedRevision).toBe('number');
    });
  });

  describe('ping', () => {
    it('answers while the server is up', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
});

describe('EsdbEventStore when the server is gone', () => {
  it('ping fails, and a subscription errors after its retries', async () => {
    const [target] = esdbTargets();
    const started = await target!.start();
    const store = new EsdbEventStore(started.url, {
      backoff: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 },
      pingTimeoutMs: 500,
    });
    try {
      await store.ping();
      await started.stop();
      await expect(store.ping()).rejects.toThrow();
      await expect(firstValueFrom(store.subscribeToAll())).rejects.toMatchObject({
        name: 'EventStoreUnavailableError',
      });
    } finally {
      await store.close();
    }
  });
});
