import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { TelemetryRecorder } from '../../src/commands/bridge/telemetry-recorder.ts';
import { ChainedAppends } from '../../src/commands/chained-appends.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { telemetryStream } from '../../src/domain/bridge/telemetry-events.ts';
import { WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import { GroupCommit, type GroupCommitOptions } from '../../src/eventstore/group-commit.ts';
import { verifyStreamChain } from '../../src/eventstore/hash-chain.ts';
import { decodePosition } from '../../src/eventstore/position.ts';
import type { EventStore, EventToAppend } from '../../src/eventstore/port.ts';
import { deviceStateReport } from '../support/device-state-report.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

const event = (n = 0): EventToAppend => ({ id: randomUUID(), type: 'ThingHappened', data: { n }, metadata: {} });
const streamName = () => `group_${randomUUID().replaceAll('-', '')}`;
const transactionOf = (position: string) => decodePosition(position).major;

/**
 * Group commit: appends made while a batch is in flight (or in the same turn) share one multi-stream append, each
 * caller gets its own stream's outcome, and one stream's appends stay in order.
 */
describe('group commit (pglite)', () => {
  const fixture = useEventStore('pglite');
  /** A group commit writing through the store's own calls, spied on. */
  const grouped = (options: GroupCommitOptions = {}) => {
    const store = fixture.store as Required<Pick<EventStore, 'appendToStream' | 'appendToStreams'>>;
    const one = vi.fn((append: Parameters<GroupCommit['append']>) =>
      store.appendToStream(append[0], append[1], { expectedRevision: append[2] }),
    );
    const many = vi.fn((appends: Parameters<typeof store.appendToStreams>[0]) => store.appendToStreams(appends));
    const group = new GroupCommit(
      { appendOne: (append) => one([append.stream, append.events, append.expectedRevision]), appendMany: many },
      options,
    );
    return { group, one, many };
  };

  it('sends the appends of one turn as one batch and gives each caller its own outcome', async () => {
    const { group, many } = grouped();
    const [a, b, c] = [streamName(), streamName(), streamName()];
    await fixture.store.appendToStream(b, [event()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      group.append(a, [event(), event()], 'no_stream'),
      group.append(b, [event()], 'no_stream'), // b exists: only this caller fails
      group.append(c, [event()], 'any'),
    ]);
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]![0].map((append) => append.stream)).toEqual([a, b, c]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0 } });
  });

  it('keeps one stream in order: a second append to it waits for the next batch', async () => {
    const { group, many } = grouped();
    const [a, b] = [streamName(), streamName()];
    const results = await Promise.all([
      group.append(a, [event(1)], 'no_stream'),
      group.append(a, [event(2)], 0),
      group.append(b, [event(3)], 'no_stream'),
    ]);
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([0, 1, 0]);
    // The second append to `a` went after the batch, alone (a batch of one is appendOne).
    expect(many.mock.calls.map(([appends]) => appends.map((append) => append.stream))).toEqual([[a, b]]);
    expect((await fixture.store.readStream(a)).map((e) => e.data.n)).toEqual([1, 2]);
  });

  it('caps a batch by streams and by bytes', async () => {
    const byStreams = grouped({ maxStreams: 2 });
    await Promise.all(Array.from({ length: 5 }, () => byStreams.group.append(streamName(), [event()], 'no_stream')));
    expect(byStreams.many.mock.calls.map(([appends]) => appends.length)).toEqual([2, 2]);
    expect(byStreams.one).toHaveBeenCalledTimes(1);
    const byBytes = grouped({ maxBytes: 1 });
    await Promise.all(Array.from({ length: 3 }, () => byBytes.group.append(streamName(), [event()], 'no_stream')));
    expect(byBytes.many).not.toHaveBeenCalled();
    expect(byBytes.one).toHaveBeenCalledTimes(3);
  });

  it('sends a lone append at once and gathers what queued while it was in flight', async () => {
    const { group, one, many } = grouped({ maxInFlight: 1 });
    const first = group.append(streamName(), [event()], 'no_stream');
    await Promise.resolve(); // the first goes alone, waiting for no company
    expect(one).toHaveBeenCalledTimes(1);
    const rest = Array.from({ length: 4 }, () => group.append(streamName(), [event()], 'no_stream'));
    await Promise.all([first, ...rest]);
    expect(one).toHaveBeenCalledTimes(1);
    expect(many.mock.calls.map(([appends]) => appends.length)).toEqual([4]);
  });

  it('gathers appends made in separate I/O callbacks of one loop turn when told to wait for the next turn', async () => {
    const batchesOf = async (gather: 'microtask' | 'next-turn') => {
      const batches: string[][] = [];
      const written = (appends: readonly { stream: string }[]) => {
        batches.push(appends.map((append) => append.stream));
        return appends.map((_, index) => ({ nextExpectedRevision: 0, position: String(index) }));
      };
      const group = new GroupCommit(
        { appendOne: async (append) => written([append])[0]!, appendMany: async (appends) => written(appends) },
        { gather },
      );
      // Like two sockets' frames read in one poll phase: separate callbacks, each ending its own microtasks.
      const appended = await new Promise<Promise<unknown>[]>((resolve) => {
        const calls: Promise<unknown>[] = [];
        setImmediate(() => calls.push(group.append('a', [event()], 'any')));
        setImmediate(() => resolve([...calls, group.append('b', [event()], 'any')]));
      });
      await Promise.all(appended);
      return batches;
    };
    expect(await batchesOf('microtask')).toEqual([['a'], ['b']]);
    expect(await batchesOf('next-turn')).toEqual([['a', 'b']]);
  });

  it('rejects every caller of a batch the store could not write at all', async () => {
    const { group, many } = grouped({ isStatementError: () => false });
    many.mockRejectedValueOnce(new Error('connection lost'));
    const outcomes = await Promise.allSettled([
      group.append(streamName(), [event()], 'any'),
      group.append(streamName(), [event()], 'any'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
  });

  it('fails only the caller whose events cannot be encoded as JSON, and keeps the process and the queue alive', async () => {
    const { group } = grouped();
    const alone = group.append(streamName(), [event()], 'any');
    await Promise.resolve(); // the next three queue while it is in flight: sizing them for a batch meets the BigInt
    const [good, bad, later] = [streamName(), streamName(), streamName()];
    const outcomes = await Promise.allSettled([
      alone,
      group.append(good, [event(1)], 'no_stream'),
      group.append(bad, [{ ...event(), data: { n: 1n } }], 'no_stream'),
      group.append(later, [event(3)], 'no_stream'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(TypeError);
    expect((await fixture.store.readStream(later)).map((e) => e.data.n)).toEqual([3]);
    await expect(group.append(bad, [event(4)], 'no_stream')).resolves.toMatchObject({ nextExpectedRevision: 0 });
  });

  it('appends alone again after a batch failed on what one append holds, so only that caller fails', async () => {
    const [good, bad] = [streamName(), streamName()];
    const alone = fixture.store.appendToStream(streamName(), [event()], { expectedRevision: 'any' });
    await Promise.resolve(); // the next two queue while it is in flight, and go as one batch
    const outcomes = await Promise.allSettled([
      alone,
      fixture.store.appendToStream(good, [event(1)], { expectedRevision: 'no_stream' }),
      fixture.store.appendToStream(bad, [{ ...event(2), id: 'not-a-uuid' }], { expectedRevision: 'no_stream' }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((await fixture.store.readStream(good)).map((e) => e.data.n)).toEqual([1]);
  });

  it("makes the store's concurrent appends share one transaction, each with its own expected revision", async () => {
    const [a, b, c, d] = [streamName(), streamName(), streamName(), streamName()];
    await fixture.store.appendToStream(c, [event()], { expectedRevision: 'no_stream' });
    const alone = fixture.store.appendToStream(a, [event()], { expectedRevision: 'no_stream' });
    // `a` goes alone in this turn (PGlite gathers until the check phase: GroupCommitOptions.gather); the next three
    // queue after it and share the next batch.
    await new Promise((resolve) => setImmediate(resolve));
    const outcomes = await Promise.allSettled([
      alone,
      fixture.store.appendToStream(b, [event()], { expectedRevision: 'no_stream' }),
      fixture.store.appendToStream(c, [event()], { expectedRevision: 'no_stream' }), // c exists: only this fails
      fixture.store.appendToStream(d, [event(), event()], { expectedRevision: 'any' }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[2] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    const [first, second, , fourth] = outcomes.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value.position : '',
    );
    expect(transactionOf(second!)).toBe(transactionOf(fourth!));
    expect(transactionOf(first!)).not.toBe(transactionOf(second!));
  });

  it('telemetry of many gateways shares batches; every stream stays one chain, also after a write by someone else', async () => {
    const appends = new ChainedAppends(fixture.store, eventCatalogue);
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const recorder = new TelemetryRecorder(appends);
    const otherNode = new TelemetryRecorder(appends);
    const homeId = randomUUID();
    const gateways = Array.from({ length: 20 }, () => randomUUID());
    const context = systemContext('test', { nodeId: 'test' });
    const report = (gatewayId: string, value: number) => deviceStateReport(gatewayId, homeId, value);
    const round = (values: number[], via = recorder) =>
      Promise.all(
        gateways.flatMap((gatewayId) => values.map((value) => via.record(report(gatewayId, value), context))),
      );
    await round([1, 2, 3]);
    // Alone, each gateway would append at least twice (its first event, then the two queued meanwhile): forty
    // appends. Shared, the batches that were in flight at the same moment went together.
    expect(spy.mock.calls.length).toBeLessThan(gateways.length);
    expect(Math.max(...spy.mock.calls.map(([appends]) => appends.length))).toBeGreaterThan(1);
    spy.mockRestore();
    await round([4], otherNode); // every remembered tip is stale now
    await round([5, 6]);
    for (const gatewayId of gateways) {
      const events = await fixture.store.readStream(telemetryStream(gatewayId));
      expect(events.map((e) => e.data.request_id)).toEqual(['1', '2', '3', '4', '5', '6']);
      expect(verifyStreamChain(events)).toBeNull();
    }
  });
});
