/**
 * EventStoreDB's cap on one append (MaxAppendSize, 1 MiB by default, counted by the server's own formula): the
 * double refuses a larger append as the server does, the adapter reports it as AppendTooLargeError (nothing
 * written), and the paths that may carry many events of one stream — appendToStreams and the log copy behind
 * `migrate-events` — split them into consecutive appends under the cap.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { AppendTooLargeError } from '../../src/eventstore/errors.ts';
import { copyLog } from '../../src/eventstore/copy-log.ts';
import { eventAppendSize, splitBySize } from '../../src/eventstore/append-size.ts';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

const MIB = 1_048_576;
/** An event of about `bytes` bytes of data (the server counts data + metadata + 2 × type length). */
const bulky = (bytes: number): EventToAppend => ({
  id: randomUUID(),
  type: 'Bulky',
  data: { blob: 'x'.repeat(bytes) },
  metadata: {},
});

describe('splitBySize', () => {
  it('keeps order, keeps every part under the cap, and gives an oversized event a part of its own', () => {
    const events = [bulky(400), bulky(400), bulky(400), bulky(2_000), bulky(10)];
    const parts = splitBySize(events, 1_000);
    expect(parts.flat()).toEqual(events);
    expect(parts.map((part) => part.length)).toEqual([2, 1, 1, 1]);
    for (const part of parts.filter((p) => p.length > 1)) {
      expect(part.reduce((sum, e) => sum + eventAppendSize(e), 0)).toBeLessThanOrEqual(1_000);
    }
  });
});

describe.each([{ batchAppend: true }, { batchAppend: false }])(
  'the 1 MiB append limit on the double (batchAppend: $batchAppend)',
  (options) => {
    let server: EsdbTestServer;
    let store: EsdbEventStore;
    beforeAll(async () => {
      server = await EsdbTestServer.start(options);
      store = new EsdbEventStore(server.url);
    });
    afterAll(async () => {
      await store.close();
      await server.stop();
    });

    it('refuses one append over 1 MiB with AppendTooLargeError and writes nothing; exactly 1 MiB passes', async () => {
      const stream = `size-${randomUUID()}`;
      const tooLarge = [bulky(MIB / 2), bulky(MIB / 2)];
      const refused = store.appendToStream(stream, tooLarge, { expectedRevision: 'no_stream' });
      await expect(refused).rejects.toBeInstanceOf(AppendTooLargeError);
      await expect(refused).rejects.toMatchObject({ streamName: stream, maxAppendSize: MIB });
      expect(server.log.stream(stream)).toBeUndefined();
      // The server refuses only what is strictly larger than the cap.
      const exact = bulky(0);
      exact.data = { blob: 'x'.repeat(MIB - eventAppendSize(exact)) };
      expect(eventAppendSize(exact)).toBe(MIB);
      await store.appendToStream(stream, [exact], { expectedRevision: 'no_stream' });
      expect(server.log.stream(stream)).toHaveLength(1);
    });

    it('appendToStreams splits a stream part over 1 MiB into consecutive appends, in order', async () => {
      const big = `split-${randomUUID()}`;
      const small = `small-${randomUUID()}`;
      const events = Array.from({ length: 5 }, () => bulky(300_000));
      const [bigOutcome, smallOutcome] = await store.appendToStreams([
        { stream: big, events, expectedRevision: 'no_stream' },
        { stream: small, events: [bulky(10)], expectedRevision: 'no_stream' },
      ]);
      expect(bigOutcome).toMatchObject({ nextExpectedRevision: 4 });
      expect(smallOutcome).toMatchObject({ nextExpectedRevision: 0 });
      expect((await store.readStream(big)).map((e) => e.id)).toEqual(events.map((e) => e.id));
      // Repeated with the same ids (a retried command): every part is recognised, nothing is written twice.
      const [again] = await store.appendToStreams([{ stream: big, events, expectedRevision: 'no_stream' }]);
      expect(again).toMatchObject({ nextExpectedRevision: 4 });
      expect(server.log.stream(big)).toHaveLength(5);
    });
  },
);

describe('migrate-events into EventStoreDB (the log copy)', () => {
  it('copies a stream run larger than 1 MiB in parts the server accepts', async () => {
    // The source takes anything (a PostgreSQL log has no such cap); the destination has the server's default.
    const sourceServer = await EsdbTestServer.start({ maxAppendSize: 16 * MIB });
    const destinationServer = await EsdbTestServer.start();
    const source = new EsdbEventStore(sourceServer.url, { maxAppendBytes: 16 * MIB });
    const destination = new EsdbEventStore(destinationServer.url);
    try {
      const stream = `copy-${randomUUID()}`;
      const events = Array.from({ length: 8 }, () => bulky(200_000));
      await source.appendToStream(stream, events, { expectedRevision: 'no_stream' });
      const progress = await copyLog(source, destination);
      expect(progress.done).toBe(8);
      const copied = await destination.readStream(stream);
      expect(copied.map((e) => [e.id, e.revision])).toEqual(events.map((e, revision) => [e.id, revision]));
      // A second run writes nothing new.
      await copyLog(source, destination);
      expect(destinationServer.log.stream(stream)).toHaveLength(8);
    } finally {
      await Promise.all([source.close(), destination.close()]);
      await Promise.all([sourceServer.stop(), destinationServer.stop()]);
    }
  });
});
