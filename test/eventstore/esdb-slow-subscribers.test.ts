/**
 * A live `$all` subscriber that stops reading, on both server generations the double plays
 * (test/support/esdb-test-server/slow-subscribers.ts): 23.10 fails the call ("Consumer too slow … Client
 * resubscription required"), 24.10 falls back to catch-up reads and goes on. The raw client sees the difference;
 * the adapter hides it: its subscribers get every event once, in order, either way. The switch that makes the
 * clients "stop reading" exists only on the double, so this file runs there only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventStoreDBClient, END, streamNameFilter, type AllStreamSubscription } from '@eventstore/db-client';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';
import { SLOW_CLIENT_CAPACITY, type ServerGeneration } from '../support/esdb-test-server/slow-subscribers.ts';

const FAST_BACKOFF = { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 100 };
const event = (n: number): EventToAppend => ({ id: randomUUID(), type: 'Counted', data: { n }, metadata: {} });

/** The client's server-features answer is protected; a subclass reads the version the server reported. */
class VersionProbe extends EventStoreDBClient {
  serverVersion(): Promise<string> {
    return this.capabilities.then((features) => features.serverVersion);
  }
}

describe.each<ServerGeneration>(['23.10', '24.10'])(
  'a live subscriber that stops reading, on a %s server',
  (generation) => {
    let server: EsdbTestServer;
    let store: EsdbEventStore;

    beforeAll(async () => {
      server = await EsdbTestServer.start({ generation });
      store = new EsdbEventStore(server.url, { backoff: FAST_BACKOFF });
    });
    afterAll(async () => {
      await store.close();
      await server.stop();
    });

    /** More live events than the server holds for a client that does not read, in a few appends. */
    async function overflow(stream: string, lastRevision: number | null): Promise<EventToAppend[]> {
      const events = Array.from({ length: SLOW_CLIENT_CAPACITY + 20 }, (_, n) => event(n));
      let revision = lastRevision;
      for (let at = 0; at < events.length; at += 12) {
        const part = events.slice(at, at + 12);
        await store.appendToStream(stream, part, { expectedRevision: revision ?? 'no_stream' });
        revision = (revision ?? -1) + part.length;
      }
      return events;
    }

    it(`reports version ${generation}.0 to the client`, async () => {
      const port = Number(new URL(server.url.replace('esdb://', 'http://')).port);
      const probe = new VersionProbe({ endpoint: { address: '127.0.0.1', port } }, { insecure: true });
      try {
        expect(await probe.serverVersion()).toBe(`${generation}.0`);
      } finally {
        await probe.dispose();
      }
    });

    it('the raw client sees what this generation does', async () => {
      const client = EventStoreDBClient.connectionString(server.url);
      const stream = `slowraw-${randomUUID().slice(0, 8)}`;
      const subscription: AllStreamSubscription = client.subscribeToAll({
        fromPosition: END,
        filter: streamNameFilter({ prefixes: [stream] }),
      });
      const seen = { caughtUp: 0, events: 0, error: null as Error | null };
      subscription.on('caughtUp', () => seen.caughtUp++);
      subscription.on('data', () => seen.events++);
      subscription.on('error', (error: Error) => (seen.error = error));
      try {
        await vi.waitFor(() => expect(seen.caughtUp).toBe(1));
        server.clientsStopReading();
        const events = await overflow(stream, null);
        server.clientsReadAgain();
        if (generation === '23.10') {
          await vi.waitFor(() => expect(seen.error).not.toBeNull());
          expect(seen.error).toMatchObject({ type: 'timeout' });
          expect(seen.error?.message).toContain('Consumer too slow to handle event while live');
        } else {
          await vi.waitFor(() => expect(seen.events).toBe(events.length));
          expect(seen.caughtUp).toBe(2); // caught up again after the catch-up reads; no error
          expect(seen.error).toBeNull();
        }
      } finally {
        server.clientsReadAgain();
        await subscription.unsubscribe();
        await client.dispose();
      }
    });

    it('the adapter delivers every event once, in order, resubscribing only where the server dropped it', async () => {
      const stream = `slow-${randomUUID().slice(0, 8)}`;
      const received: RecordedEvent[] = [];
      const failures: unknown[] = [];
      const first = [event(-2), event(-1)];
      const live = store
        .subscribeToAll({ after: await store.headPosition(), filter: { streamPrefixes: [stream] } })
        .subscribe({ next: (recorded) => received.push(recorded), error: (error: unknown) => failures.push(error) });
      try {
        await store.appendToStream(stream, first, { expectedRevision: 'no_stream' });
        await vi.waitFor(() => expect(received).toHaveLength(2));
        const before = { ...server.stats };
        server.clientsStopReading();
        const rest = await overflow(stream, 1);
        await vi.waitFor(() =>
          generation === '23.10'
            ? expect(server.stats.slowSubscribersDropped).toBe(before.slowSubscribersDropped + 1)
            : expect(server.stats.slowSubscribersFellBehind).toBe(before.slowSubscribersFellBehind + 1),
        );
        server.clientsReadAgain();
        await vi.waitFor(() => expect(received).toHaveLength(first.length + rest.length));
        expect(received.map((recorded) => recorded.id)).toEqual([...first, ...rest].map((e) => e.id));
        expect(received.map((recorded) => recorded.revision)).toEqual(received.map((_, index) => index));
        expect(failures).toEqual([]);
        const resubscribed = server.stats.subscriptionsOpened - before.subscriptionsOpened;
        expect(resubscribed).toBe(generation === '23.10' ? 1 : 0);
      } finally {
        server.clientsReadAgain();
        live.unsubscribe();
      }
    });
  },
);
