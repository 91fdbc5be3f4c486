/**
 * The EventStoreDB adapter through the transient states a real node goes through, injected with the test double's
 * fault switches (test/support/esdb-test-server/faults.ts): not ready, busy, NotLeader failing the whole
 * BatchAppend call, a write Timeout (with and without the write committing anyway), a node that never answers,
 * and a restart. For each: the adapter retries to success within its bound, or fails with
 * EventStoreUnavailableError; no acknowledged write is lost, nothing is written twice, and it recovers when the
 * fault clears. The switches exist only on the double, so this file runs there only (a real server cannot be
 * told to misbehave); retry totals are short so the file stays quick.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { EventStoreUnavailableError } from '../../src/eventstore/errors.ts';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';
import type { EsdbFault } from '../support/esdb-test-server/faults.ts';

/** Long enough to ride out a fault served a few times, short enough to fail fast when it stays. */
const RETRY = { totalMs: 600, attemptTimeoutMs: 150, initialDelayMs: 10, maxDelayMs: 60 };
const FAST_BACKOFF = { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 100 };

const event = (type = 'Happened'): EventToAppend => ({ id: randomUUID(), type, data: { n: 1 }, metadata: {} });
const streamName = (name: string) => `fault_${name}-${randomUUID().slice(0, 8)}`;

describe.each([{ batchAppend: true }, { batchAppend: false }])(
  'EsdbEventStore under server faults (batchAppend: $batchAppend)',
  (options) => {
    let server: EsdbTestServer;
    let store: EsdbEventStore;

    beforeAll(async () => {
      server = await EsdbTestServer.start(options);
      store = new EsdbEventStore(server.url, { retry: RETRY, backoff: FAST_BACKOFF, pingTimeoutMs: 150 });
    });
    afterEach(() => server.faults.clear());
    afterAll(async () => {
      await store.close();
      await server.stop();
    });

    /** Ids of the stream's events in the double's log: what was really written, however often. */
    const writtenIds = (stream: string) => (server.log.stream(stream) ?? []).map((logged) => logged.id);

    it.each<EsdbFault>(['not_ready', 'busy', 'not_leader', 'write_timeout', 'write_timeout_committed'])(
      'retries an append through %s to success, writing it once',
      async (fault) => {
        const stream = streamName(fault);
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const served = server.faults.served;
        server.faults.inject(fault, { times: 2 });
        const events = [event(), event()];
        const result = await store.appendToStream(stream, events, { expectedRevision: 0 });
        expect(server.faults.served - served).toBe(2);
        expect(result.nextExpectedRevision).toBe(2);
        expect(writtenIds(stream).slice(1)).toEqual(events.map((e) => e.id));
        expect((await store.readStream(stream)).map((e) => e.id).slice(1)).toEqual(events.map((e) => e.id));
      },
    );

    it.each<EsdbFault>(['not_ready', 'busy', 'not_leader', 'write_timeout', 'unresponsive'])(
      'fails an append with EventStoreUnavailableError while %s lasts, and the same append succeeds once it clears',
      async (fault) => {
        const stream = streamName(fault);
        const events = [event()];
        server.faults.inject(fault);
        await expect(store.appendToStream(stream, events, { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
          EventStoreUnavailableError,
        );
        expect(writtenIds(stream)).toEqual([]);
        server.faults.clear();
        const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(0);
        expect(writtenIds(stream)).toEqual(events.map((e) => e.id));
      },
    );

    it('retries every append in flight when NotLeader fails the whole call, each written once', async () => {
      const appends = Array.from({ length: 6 }, (_, n) => ({ stream: streamName(`leader${n}`), events: [event()] }));
      server.faults.inject('not_leader', { times: 1 });
      const results = await Promise.all(
        appends.map(({ stream, events }) => store.appendToStream(stream, events, { expectedRevision: 'no_stream' })),
      );
      expect(server.faults.served).toBeGreaterThan(0);
      expect(results.map((result) => result.nextExpectedRevision)).toEqual(appends.map(() => 0));
      for (const { stream, events } of appends) expect(writtenIds(stream)).toEqual(events.map((e) => e.id));
    });

    it('keeps a write that committed although the server answered Timeout: the retry finds it, never writes it twice', async () => {
      const stream = streamName('committed');
      const events = [event(), event()];
      server.faults.inject('write_timeout_committed');
      // Every attempt times out, but the first one wrote: the caller sees 503, the write is there exactly once.
      await expect(store.appendToStream(stream, events, { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      expect(writtenIds(stream)).toEqual(events.map((e) => e.id));
      server.faults.clear();
      // The caller repeats the command with the same ids: acknowledged as already done, at the same revision.
      const again = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      expect(again.nextExpectedRevision).toBe(1);
      expect(writtenIds(stream)).toEqual(events.map((e) => e.id));
    });

    it('fails reads of a node that never answers within the bound, and reads again once it answers', async () => {
      const stream = streamName('stall');
      await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
      server.faults.inject('unresponsive');
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.readAll({ maxCount: 1 })).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      server.faults.clear();
      expect(await store.readStream(stream)).toHaveLength(1);
      await store.ping();
    });

    it('retries reads through not ready and busy', async () => {
      const stream = streamName('readfault');
      await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
      server.faults.inject('not_ready', { times: 1 });
      expect(await store.readStream(stream)).toHaveLength(1);
      server.faults.inject('busy', { times: 1 });
      expect(await store.headPosition()).not.toBeNull();
    });

    it('resubscribes when a subscription is never confirmed, and delivers what was written meanwhile', async () => {
      const stream = streamName('sub');
      const after = await store.headPosition();
      server.faults.inject('unresponsive', { times: 1 });
      const served = server.faults.served;
      const received = firstValueFrom(
        store.subscribeToAll({ after, filter: { streamPrefixes: [stream] } }).pipe(take(2), toArray()),
      );
      await vi.waitFor(() => expect(server.faults.served).toBeGreaterThan(served));
      const events = [event('First'), event('Second')];
      await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      expect((await received).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    it('rides out a restart: refused connections, then "not ready", then writes and subscriptions go on', async () => {
      const stream = streamName('restart');
      const first = event('BeforeRestart');
      await store.appendToStream(stream, [first], { expectedRevision: 'no_stream' });
      const live = firstValueFrom(
        store.subscribeToAll({ filter: { streamPrefixes: [stream] } }).pipe(take(2), toArray()),
      );
      await vi.waitFor(() => expect(server.subscriptionCount).toBeGreaterThan(0));
      await server.goDown();
      await expect(store.appendToStream(stream, [event()], { expectedRevision: 0 })).rejects.toBeInstanceOf(
        EventStoreUnavailableError,
      );
      await expect(store.ping()).rejects.toBeInstanceOf(EventStoreUnavailableError);
      await server.comeUp({ notReadyFor: 2 });
      const second = event('AfterRestart');
      const result = await store.appendToStream(stream, [second], { expectedRevision: 0 });
      expect(result.nextExpectedRevision).toBe(1);
      expect((await live).map((e) => e.id)).toEqual([first.id, second.id]);
      expect(writtenIds(stream)).toEqual([first.id, second.id]);
    });
  },
);
