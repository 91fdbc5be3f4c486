/**
 * Deleted streams and link events, which a real EventStoreDB has and the adapter must handle: a hard-deleted
 * (tombstoned) stream fails reads and writes with StreamDeletedError; a soft-deleted one reads as not found and a
 * later write re-creates it, its revisions going on; the `$streamDeleted`, `$metadata` and `$>` records the server
 * writes never reach a reader of `$all`, and a link never delivers its event a second time. The deletes are
 * done on the double directly (the port has no delete; on a real server an operator does it).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom, take, toArray } from 'rxjs';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { StreamDeletedError, StreamNotFoundError } from '../../src/eventstore/errors.ts';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

describe.each([{ batchAppend: true }, { batchAppend: false }])(
  'deleted streams and links on the double (batchAppend: $batchAppend)',
  (options) => {
    let server: EsdbTestServer;
    let store: EsdbEventStore;
    beforeAll(async () => {
      server = await EsdbTestServer.start(options);
      store = new EsdbEventStore(server.url, { retry: { totalMs: 500 } });
    });
    afterAll(async () => {
      await store.close();
      await server.stop();
    });

    it('a tombstoned stream fails reads and appends with StreamDeletedError; $all readers never see the tombstone', async () => {
      const stream = `hard-${randomUUID()}`;
      const before = await store.headPosition();
      await store.appendToStream(stream, [event('A')], { expectedRevision: 'no_stream' });
      server.log.tombstone(stream);
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamDeletedError);
      await expect(store.readStream(stream)).rejects.toMatchObject({ streamName: stream });
      for (const expectedRevision of ['any', 'no_stream', 0] as const) {
        await expect(store.appendToStream(stream, [event('B')], { expectedRevision })).rejects.toBeInstanceOf(
          StreamDeletedError,
        );
      }
      const [outcome] = await store.appendToStreams([{ stream, events: [event('C')], expectedRevision: 'any' }]);
      expect(outcome).toBeInstanceOf(StreamDeletedError);
      const after = await store.readAll({ after: before, maxCount: 100 });
      expect(after.map((e) => [e.streamName, e.type])).toEqual([[stream, 'A']]);
      expect(await store.headPosition()).toBe(after[0]!.position);
    });

    it('a soft-deleted stream reads as not found, and a later append re-creates it with its revisions going on', async () => {
      const stream = `soft-${randomUUID()}`;
      const before = await store.headPosition();
      await store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
      server.log.softDelete(stream);
      await expect(store.readStream(stream)).rejects.toBeInstanceOf(StreamNotFoundError);
      const again = await store.appendToStream(stream, [event('C')], { expectedRevision: 'no_stream' });
      expect(again.nextExpectedRevision).toBe(2);
      const read = await store.readStream(stream);
      expect(read.map((e) => [e.type, e.revision])).toEqual([['C', 2]]);
      const all = await store.readAll({ after: before, maxCount: 100 });
      expect(all.map((e) => e.type)).toEqual(['A', 'B', 'C']);
    });

    it('never delivers a $> link event, nor its target a second time', async () => {
      const stream = `linked-${randomUUID()}`;
      const before = await store.headPosition();
      const received = firstValueFrom(store.subscribeToAll({ after: before }).pipe(take(3), toArray()));
      await store.appendToStream(stream, [event('A'), event('B')], { expectedRevision: 'no_stream' });
      server.appendLinkEvent('$ce-linked', { streamName: stream, revision: 0 });
      server.appendLinkEvent('$et-A', { streamName: stream, revision: 0 });
      const marker = `marker-${randomUUID()}`;
      await store.appendToStream(marker, [event('Marker')], { expectedRevision: 'no_stream' });
      expect((await received).map((e) => e.type)).toEqual(['A', 'B', 'Marker']);
      const page = await store.readAll({ after: before, maxCount: 100 });
      expect(page.map((e) => e.type)).toEqual(['A', 'B', 'Marker']);
    });
  },
);
