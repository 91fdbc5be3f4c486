/**
 * Checks that the EventStoreDB test double answers the raw client the way EventStoreDB does on the points the
 * adapter relies on (inclusive $all reads, exclusive subscriptions, BatchAppend vs Append, stream-not-found).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventStoreDBClient,
  jsonEvent,
  NO_STREAM,
  START,
  excludeSystemEvents,
  type Position,
} from '@eventstore/db-client';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

describe.each([{ batchAppend: true }, { batchAppend: false }])(
  'EventStoreDB test double (batchAppend: $batchAppend)',
  (options) => {
    let server: EsdbTestServer;
    let client: EventStoreDBClient;

    beforeAll(async () => {
      server = await EsdbTestServer.start(options);
      client = EventStoreDBClient.connectionString(server.url);
    });
    afterAll(async () => {
      await client.dispose();
      await server.stop();
    });

    it('appends, rejects a second no_stream append with the current revision, and re-appends idempotently', async () => {
      const events = [jsonEvent({ type: 'A', data: { n: 1 } }), jsonEvent({ type: 'B', data: { n: 2 } })];
      const first = await client.appendToStream('double-1', events, { expectedRevision: NO_STREAM });
      expect(first.nextExpectedRevision).toBe(1n);
      expect(first.position?.commit).toBeGreaterThan(0n);
      const again = await client.appendToStream('double-1', events, { expectedRevision: NO_STREAM });
      expect(again.nextExpectedRevision).toBe(1n);
      await expect(
        client.appendToStream('double-1', jsonEvent({ type: 'C', data: {} }), { expectedRevision: NO_STREAM }),
      ).rejects.toMatchObject({ type: 'wrong-expected-version', actualVersion: 1n, expectedVersion: 'no_stream' });
    });

    it('reads $all forwards from a position inclusively, but subscribes from a position exclusively', async () => {
      await client.appendToStream('double-2', [jsonEvent({ type: 'X', data: {} }), jsonEvent({ type: 'Y', data: {} })]);
      const events = [];
      for await (const resolved of client.readAll({ fromPosition: START })) events.push(resolved.event);
      const x = events.find((event) => event?.streamId === 'double-2' && event.type === 'X');
      const from = x?.position as Position;
      const read = [];
      for await (const resolved of client.readAll({ fromPosition: from, maxCount: 2 })) read.push(resolved.event?.type);
      expect(read).toEqual(['X', 'Y']);

      const subscription = client.subscribeToAll({ fromPosition: from, filter: excludeSystemEvents() });
      for await (const resolved of subscription) {
        expect(resolved.event?.type).toBe('Y');
        break;
      }
    });

    it('reports a missing stream while iterating', async () => {
      const read = async () => {
        for await (const _ of client.readStream('double-missing')) void _;
      };
      await expect(read()).rejects.toMatchObject({ type: 'stream-not-found' });
    });
  },
);
