import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { TelemetryRecorder } from '../../src/commands/bridge/telemetry-recorder.ts';
import { ChainedAppends } from '../../src/commands/chained-appends.ts';
import { CrossStreamAppender } from '../../src/commands/cross-stream-appender.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { telemetryStream } from '../../src/domain/bridge/telemetry-events.ts';
import { WrongExpectedVersionError } from '../../src/eventstore/errors.ts';
import { verifyStreamChain } from '../../src/eventstore/hash-chain.ts';
import type { EventStore, EventToAppend } from '../../src/eventstore/port.ts';
import { deviceStateReport } from '../support/device-state-report.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

const event = (n = 0): EventToAppend => ({ id: randomUUID(), type: 'ThingHappened', data: { n }, metadata: {} });
const streamName = () => `appender_${randomUUID().replaceAll('-', '')}`;

/**
 * The process-wide batcher: appends made while a batch is in flight (or in the same turn) share one
 * multi-stream append, each caller gets its own stream's outcome, and one stream's appends stay in order.
 */
describe('cross-stream appender (pglite)', () => {
  const fixture = useEventStore('pglite');

  it('sends the appends of one turn as one batch and gives each caller its own outcome', async () => {
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const appender = new CrossStreamAppender(fixture.store);
    const [a, b, c] = [streamName(), streamName(), streamName()];
    await fixture.store.appendToStream(b, [event()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      appender.append(a, [event(), event()], 'no_stream'),
      appender.append(b, [event()], 'no_stream'), // b exists: only this caller fails
      appender.append(c, [event()], 'any'),
    ]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]![0].map((append) => append.stream)).toEqual([a, b, c]);
    spy.mockRestore();
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected' });
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect(outcomes[2]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0 } });
  });

  it('keeps one stream in order: a second append to it waits for the next batch', async () => {
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const appender = new CrossStreamAppender(fixture.store);
    const [a, b] = [streamName(), streamName()];
    const results = await Promise.all([
      appender.append(a, [event(1)], 'no_stream'),
      appender.append(a, [event(2)], 0),
      appender.append(b, [event(3)], 'no_stream'),
    ]);
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([0, 1, 0]);
    // The second append to `a` went after the batch, alone (a batch of one is a plain appendToStream).
    expect(spy.mock.calls.map(([appends]) => appends.map((append) => append.stream))).toEqual([[a, b]]);
    spy.mockRestore();
    expect((await fixture.store.readStream(a)).map((e) => e.data.n)).toEqual([1, 2]);
  });

  it('caps a batch by streams and by bytes', async () => {
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const single = vi.spyOn(fixture.store, 'appendToStream');
    const byStreams = new CrossStreamAppender(fixture.store, { maxStreams: 2 });
    await Promise.all(Array.from({ length: 5 }, () => byStreams.append(streamName(), [event()], 'no_stream')));
    expect(spy.mock.calls.map(([appends]) => appends.length)).toEqual([2, 2]);
    expect(single).toHaveBeenCalledTimes(1);
    spy.mockClear();
    single.mockClear();
    const byBytes = new CrossStreamAppender(fixture.store, { maxBytes: 1 });
    await Promise.all(Array.from({ length: 3 }, () => byBytes.append(streamName(), [event()], 'no_stream')));
    expect(spy).not.toHaveBeenCalled();
    expect(single).toHaveBeenCalledTimes(3);
    spy.mockRestore();
    single.mockRestore();
  });

  it('sends at most maxInFlight batches at once; the rest wait and go together', async () => {
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const single = vi.spyOn(fixture.store, 'appendToStream');
    const appender = new CrossStreamAppender(fixture.store, { maxInFlight: 1 });
    const first = appender.append(streamName(), [event()], 'no_stream');
    await Promise.resolve(); // the first goes alone
    const rest = Array.from({ length: 4 }, () => appender.append(streamName(), [event()], 'no_stream'));
    await Promise.all([first, ...rest]);
    expect(single).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls.map(([appends]) => appends.length)).toEqual([4]);
    spy.mockRestore();
    single.mockRestore();
  });

  it('appends one by one through a fixture.store without appendToStreams', async () => {
    const single: EventStore = {
      kind: fixture.store.kind,
      appendToStream: (stream, events, options) => fixture.store.appendToStream(stream, events, options),
      readStream: (stream, options) => fixture.store.readStream(stream, options),
      readAll: (options) => fixture.store.readAll(options),
      headPosition: () => fixture.store.headPosition(),
      subscribeToAll: (options) => fixture.store.subscribeToAll(options),
      ping: () => fixture.store.ping(),
      close: async () => {},
    };
    const spy = vi.spyOn(single, 'appendToStream');
    const appender = new CrossStreamAppender(single);
    const a = streamName();
    await appender.append(a, [event()], 'no_stream');
    await expect(appender.append(a, [event()], 'no_stream')).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('rejects every caller of a batch the fixture.store could not write at all', async () => {
    const spy = vi.spyOn(fixture.store, 'appendToStreams').mockRejectedValueOnce(new Error('connection lost'));
    const appender = new CrossStreamAppender(fixture.store);
    const outcomes = await Promise.allSettled([
      appender.append(streamName(), [event()], 'any'),
      appender.append(streamName(), [event()], 'any'),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    spy.mockRestore();
  });

  it('telemetry of many gateways shares batches; every stream stays one chain, also after a write by someone else', async () => {
    const appends = new ChainedAppends(fixture.store, eventCatalogue);
    const spy = vi.spyOn(fixture.store, 'appendToStreams');
    const recorder = new TelemetryRecorder(appends, new CrossStreamAppender(fixture.store));
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
