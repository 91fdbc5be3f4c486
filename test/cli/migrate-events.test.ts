/**
 * migrate-events: PGlite → EventStoreDB (test double, real client over gRPC) keeps ids, types, data, metadata and
 * stream revisions in global order; a second run writes nothing; a PGlite directory a server holds is refused.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { migrateEvents } from '../../src/cli/migrate-events-command.ts';
import { openEventStoreUrl } from '../../src/cli/event-store-url.ts';
import { DataDirLockedError, lockDataDir } from '../../src/database/data-dir-lock.ts';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

const event = (type: string, n: number, previousHash: string | null): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { n, nested: { list: [1, 'two', null] } },
  // Fields other features add to metadata (e.g. a hash chain) must come across verbatim.
  metadata: {
    actor: { kind: 'system', id: 'test' },
    correlation_id: randomUUID(),
    prev_hash: previousHash,
    hash: `h${n}`,
  },
});

const essentials = (events: RecordedEvent[]) =>
  events.map(({ id, type, data, metadata, streamName, revision }) => ({
    id,
    type,
    data,
    metadata,
    streamName,
    revision,
  }));

describe('migrate-events', () => {
  let dataDir: string;
  let double: EsdbTestServer;
  let written: RecordedEvent[];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-migrate-'));
    fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'pglite'), { recursive: true });
    const source = await openEventStoreUrl(`pglite:${dataDir}`, createLogger('silent'), 'test');
    // Interleaved streams, multi-event appends, 1,200 events: two pages of 1,000.
    let previous: string | null = null;
    const revisions = new Map<string, number>();
    for (let n = 0; n < 120; n++) {
      const stream = `thing-${n % 7}`;
      const batch = Array.from({ length: 10 }, (_, i) =>
        event(i % 2 ? 'ThingChanged' : 'ThingHappened', n * 10 + i, previous),
      );
      previous = `h${n}`;
      const expected = revisions.get(stream);
      const result = await source.store.appendToStream(stream, batch, { expectedRevision: expected ?? 'no_stream' });
      revisions.set(stream, result.nextExpectedRevision);
    }
    written = await source.store.readAll({ maxCount: 10_000 });
    await source.close();
    double = await EsdbTestServer.start();
  });
  afterAll(async () => {
    await double.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('copies the log to EventStoreDB in global order with ids, types, data, metadata and revisions', async () => {
    const output = new PassThrough();
    const lines: string[] = [];
    output.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const result = await migrateEvents({ from: dataDir, to: double.url, output, lineIntervalS: 0 });
    expect(result.done).toBe(1200);
    expect(lines.join('')).toMatch(/Copying 1200 events/);
    expect(lines.join('')).toMatch(/1000\/1200 events \(\d+ events\/s\) ETA \d+ s/);

    const destination = new EsdbEventStore(double.url);
    try {
      const copied = await destination.readAll({ maxCount: 10_000 });
      expect(essentials(copied)).toEqual(essentials(written));
      expect(copied.map((e) => e.position)).toEqual([...copied.map((e) => e.position)].sort());
      const stream = await destination.readStream('thing-3');
      expect(stream.map((e) => e.revision)).toEqual(stream.map((_, i) => i));
    } finally {
      await destination.close();
    }
  });

  it('is a no-op when run again', async () => {
    const before = double.log.all().length;
    const result = await migrateEvents({ from: `pglite:${dataDir}`, to: double.url, output: new PassThrough() });
    expect(result.done).toBe(1200);
    expect(double.log.all().length).toBe(before);
  });

  it('refuses a PGlite directory a running server holds', async () => {
    const lock = lockDataDir(dataDir, 'serve');
    try {
      await expect(migrateEvents({ from: dataDir, to: double.url, output: new PassThrough() })).rejects.toBeInstanceOf(
        DataDirLockedError,
      );
    } finally {
      lock.release();
    }
  });
});
