import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import type { EventToAppend, StreamAppend, StreamAppendOutcome } from '../../src/eventstore/port.ts';
import { databaseTargets } from '../support/databases.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/**
 * es_append_batch appends a batch of distinct streams whose ids are not stored in three statements for the whole
 * batch (es_append_batch_at_once), and anything else stream by stream. Both must answer what es_append answers for
 * each stream alone; these are the cases where the two paths could part.
 */
const event = (type = 'Batched', data: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: {},
});

const succeeded = (outcome: StreamAppendOutcome | undefined) => {
  if (!outcome || outcome instanceof Error) throw outcome ?? new Error('no outcome');
  return outcome;
};

describe.each(databaseTargets())('es_append_batch, all streams at once (%s)', (target) => {
  const fixture = useEventStore(target);
  const streamOf = (name: string) => `${name}-${randomUUID()}`;

  it("writes the batch's streams in name order, each stream's events in its own order, at the positions answered", async () => {
    const suffix = randomUUID();
    const names = ['c', 'a', 'd', 'b'].map((name) => `${name}-${suffix}`);
    const appends: StreamAppend[] = names.map((stream) => ({
      stream,
      events: [event('Batched', { stream, n: 0 }), event('Batched', { stream, n: 1 })],
      expectedRevision: 'no_stream',
    }));
    const outcomes = (await fixture.store.appendToStreams(appends)).map(succeeded);
    const read = await Promise.all(names.map((stream) => fixture.store.readStream(stream)));
    const byPosition = read.flat().sort((x, y) => (x.position < y.position ? -1 : 1));
    expect(byPosition.map((e) => [e.streamName, e.data.n])).toEqual(
      [...names].sort().flatMap((stream) => [
        [stream, 0],
        [stream, 1],
      ]),
    );
    names.forEach((_stream, index) => {
      expect(outcomes[index]).toEqual({ nextExpectedRevision: 1, position: read[index]!.at(-1)!.position });
      expect(read[index]!.map((e) => e.revision)).toEqual([0, 1]);
    });
  });

  it('claims revisions after what the streams hold, and refuses each expectation that does not hold', async () => {
    const [held, exists, missing, taken] = ['held', 'exists', 'missing', 'taken'].map(streamOf) as [
      string,
      string,
      string,
      string,
    ];
    for (const stream of [held, exists, taken]) {
      await fixture.store.appendToStream(stream, [event(), event(), event()], { expectedRevision: 'no_stream' });
    }
    const outcomes = await fixture.store.appendToStreams([
      { stream: held, events: [event()], expectedRevision: 2 },
      { stream: exists, events: [event(), event()], expectedRevision: 'stream_exists' },
      { stream: missing, events: [event()], expectedRevision: 'stream_exists' },
      { stream: taken, events: [event()], expectedRevision: 'no_stream' },
      { stream: streamOf('stale'), events: [event()], expectedRevision: 0 },
    ]);
    expect(succeeded(outcomes[0]).nextExpectedRevision).toBe(3);
    expect(succeeded(outcomes[1]).nextExpectedRevision).toBe(4);
    expect(outcomes[2]).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
    expect(outcomes[3]).toMatchObject({ expected: 'no_stream', actual: 2 });
    expect(outcomes[4]).toMatchObject({ expected: 0, actual: 'no_stream' });
    for (const refused of outcomes.slice(2)) expect(refused).toBeInstanceOf(WrongExpectedVersionError);
    expect((await fixture.store.readStream(taken)).map((e) => e.revision)).toEqual([0, 1, 2]);
    expect((await fixture.store.readStream(exists)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
  });

  it('one id in two streams of a batch: the first stream is appended, the second refused, nothing else written', async () => {
    const shared = event();
    const first = streamOf('first');
    const second = streamOf('second');
    const outcomes = await fixture.store.appendToStreams([
      { stream: first, events: [event(), shared], expectedRevision: 'no_stream' },
      { stream: second, events: [shared], expectedRevision: 'no_stream' },
    ]);
    expect(succeeded(outcomes[0]).nextExpectedRevision).toBe(1);
    expect(outcomes[1]).toBeInstanceOf(WrongExpectedVersionError);
    expect(await fixture.store.readStream(first)).toHaveLength(2);
    await expect(fixture.store.readStream(second)).rejects.toThrow();
  });

  it('a batch with some ids stored answers those streams as already appended and appends the rest', async () => {
    const stored: StreamAppend = { stream: streamOf('stored'), events: [event()], expectedRevision: 'no_stream' };
    const before = await fixture.store.appendToStream(stored.stream, stored.events, { expectedRevision: 'no_stream' });
    const fresh = streamOf('fresh');
    const outcomes = await fixture.store.appendToStreams([
      stored,
      { stream: fresh, events: [event()], expectedRevision: 'no_stream' },
    ]);
    expect(outcomes[0]).toEqual(before);
    expect(succeeded(outcomes[1]).nextExpectedRevision).toBe(0);
    expect(await fixture.store.readStream(stored.stream)).toHaveLength(1);
  });
});
