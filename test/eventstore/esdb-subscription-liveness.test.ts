/**
 * The liveness deadline of the adapter's `$all` subscriptions (src/eventstore/esdb/subscription-liveness.ts): a
 * server that confirms a subscription and then sends nothing more on it — the connection up, keepalives answered,
 * so the client's keepalive never notices — while the log grows. The double's `stallSubscriptions` switch does
 * exactly that; it exists only on the double, so this file runs there only.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

const IDLE_MS = 250;
const FAST_BACKOFF = { initialDelayMs: 10, maxDelayMs: 100, maxAttempts: 100 };
const event = (type = 'Happened'): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

describe('EsdbEventStore subscriptions against a server that stalls them', () => {
  let server: EsdbTestServer;
  let store: EsdbEventStore;

  beforeAll(async () => {
    server = await EsdbTestServer.start();
    store = new EsdbEventStore(server.url, { backoff: FAST_BACKOFF, subscriptionIdleMs: IDLE_MS });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  function follow(stream: string, after: string | null) {
    const received: RecordedEvent[] = [];
    const subscription = store
      .subscribeToAll({ after, filter: { streamPrefixes: [stream] } })
      .subscribe((recorded) => received.push(recorded));
    return { received, stop: () => subscription.unsubscribe() };
  }

  it('resubscribes a confirmed subscription that went silent while the log grew, losing and repeating nothing', async () => {
    const stream = `stalled-${randomUUID().slice(0, 8)}`;
    const follower = follow(stream, await store.headPosition());
    try {
      const before = [event('Before')];
      await store.appendToStream(stream, before, { expectedRevision: 'no_stream' });
      await vi.waitFor(() => expect(follower.received).toHaveLength(1));
      const opened = server.stats.subscriptionsOpened;
      server.stallSubscriptions();
      const during = [event('During1'), event('During2')];
      await store.appendToStream(stream, during, { expectedRevision: 0 });
      await vi.waitFor(() => expect(follower.received).toHaveLength(3), { timeout: 10_000 });
      expect(follower.received.map((e) => e.id)).toEqual([...before, ...during].map((e) => e.id));
      expect(server.stats.subscriptionsOpened).toBe(opened + 1);
    } finally {
      follower.stop();
    }
  });

  it('leaves a subscription on a quiet log alone: the head it probes is the one it has seen', async () => {
    const stream = `quiet-${randomUUID().slice(0, 8)}`;
    const follower = follow(stream, null);
    try {
      await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
      await vi.waitFor(() => expect(follower.received).toHaveLength(1));
      const opened = server.stats.subscriptionsOpened;
      const probes = server.stats.allReads;
      // Three idle periods pass (each ends in a head read); none resubscribes.
      await vi.waitFor(() => expect(server.stats.allReads).toBeGreaterThanOrEqual(probes + 3), { timeout: 10_000 });
      expect(server.stats.subscriptionsOpened).toBe(opened);
    } finally {
      follower.stop();
    }
  });

  it('checks a head past a non-matching tail once, not once per idle period', async () => {
    const stream = `rare-${randomUUID().slice(0, 8)}`;
    const follower = follow(stream, await store.headPosition());
    try {
      await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
      await vi.waitFor(() => expect(follower.received).toHaveLength(1));
      // Fewer events than a checkpoint interval, none for this filter: the server owes the subscription nothing.
      await store.appendToStream(`other-${randomUUID().slice(0, 8)}`, [event(), event()], {
        expectedRevision: 'no_stream',
      });
      const opened = server.stats.subscriptionsOpened;
      const probes = server.stats.allReads;
      await vi.waitFor(() => expect(server.stats.allReads).toBeGreaterThanOrEqual(probes + 4), { timeout: 10_000 });
      expect(server.stats.subscriptionsOpened).toBe(opened + 1);
      expect(follower.received).toHaveLength(1);
    } finally {
      follower.stop();
    }
  });
});
