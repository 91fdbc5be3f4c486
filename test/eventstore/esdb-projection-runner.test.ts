/**
 * The ProjectionRunner over the EventStoreDB adapter (test double): it pulls filtered `readAll` pages after its
 * checkpoint and waits with `subscribeToAll(...).pipe(take(1))`. Client 6.x cannot filter readAll on the server,
 * so without care every poll rescans everything after the last *handled* event; these tests pin the cost.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmptyRanges } from '../../src/eventstore/esdb/empty-ranges.ts';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import type { Projection, TableNames } from '../../src/projections/projection.ts';
import { ProjectionSet } from '../../src/projections/projection-set.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

const p = (n: number) => encodePosition(n, n);

describe('EmptyRanges', () => {
  const filter = { eventTypes: ['A', 'B'] };

  it('skips a recorded stretch for the same filter only, and only from inside it', () => {
    const ranges = new EmptyRanges();
    ranges.record(filter, p(10), p(50));
    expect(ranges.skipTo(filter, p(10))).toBe(p(50));
    expect(ranges.skipTo({ eventTypes: ['B', 'A'] }, p(30))).toBe(p(50));
    expect(ranges.skipTo(filter, p(9))).toBe(p(9));
    expect(ranges.skipTo(filter, p(60))).toBe(p(60));
    expect(ranges.skipTo(filter, null)).toBe(null);
    expect(ranges.skipTo({ eventTypes: ['A'] }, p(10))).toBe(p(10));
    expect(ranges.skipTo(undefined, p(10))).toBe(p(10));
  });

  it('extends a stretch scanned further from inside it, and replaces it otherwise', () => {
    const ranges = new EmptyRanges();
    ranges.record(filter, null, p(50));
    ranges.record(filter, p(50), p(80));
    expect(ranges.skipTo(filter, null)).toBe(p(80));
    ranges.record(filter, p(20), p(40)); // inside: nothing new
    expect(ranges.skipTo(filter, null)).toBe(p(80));
    ranges.record(filter, p(90), p(95));
    expect(ranges.skipTo(filter, null)).toBe(null);
    expect(ranges.skipTo(filter, p(92))).toBe(p(95));
  });

  it('forgets the least recently recorded filter beyond its bound', () => {
    const ranges = new EmptyRanges(2);
    ranges.record({ eventTypes: ['A'] }, null, p(5));
    ranges.record({ eventTypes: ['B'] }, null, p(5));
    ranges.record({ eventTypes: ['C'] }, null, p(5));
    expect(ranges.skipTo({ eventTypes: ['A'] }, null)).toBe(null);
    expect(ranges.skipTo({ eventTypes: ['C'] }, null)).toBe(p(5));
  });
});

const notesProjection: Projection = {
  name: 'notes',
  version: 1,
  eventTypes: ['NoteAdded'],
  tables: ['notes'],
  async createTables(knex: Knex, table: TableNames) {
    await knex.schema.createTable(table('notes'), (t) => {
      t.uuid('id').primary();
      t.text('text').notNullable();
    });
  },
  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    await trx(table('notes')).insert({ id: event.id, text: (event.data as { text: string }).text });
  },
};

const note = (text: string): EventToAppend => ({ id: randomUUID(), type: 'NoteAdded', data: { text }, metadata: {} });
const noise = (): EventToAppend => ({ id: randomUUID(), type: 'TemperatureReported', data: { c: 21 }, metadata: {} });

describe('ProjectionRunner over the EventStoreDB adapter (test double)', () => {
  let double: EsdbTestServer;
  let store: EsdbEventStore;
  let db: TestDatabase;
  let projections: ProjectionSet;

  beforeAll(async () => {
    double = await EsdbTestServer.start();
    store = new EsdbEventStore(double.url);
    db = await openTestDatabase('pglite');
    projections = new ProjectionSet(store, db.database.knex, [notesProjection], createLogger('silent'));
    await projections.migrate();
  });
  afterAll(async () => {
    await projections.stop();
    await store.close();
    await double.stop();
    await db.cleanup();
  });

  it('applies its events, does not rescan the events it does not handle, and leaves no subscription behind', async () => {
    await store.appendToStream('note-1', [note('first')], { expectedRevision: 'no_stream' });
    // 1,000 events the projection does not handle, after its only event: the tail its checkpoint sits behind.
    for (let i = 0; i < 10; i++) {
      await store.appendToStream(`telemetry-${i}`, Array.from({ length: 100 }, noise), {
        expectedRevision: 'no_stream',
      });
    }
    await projections.start();
    const tail = await store.appendToStream('telemetry-x', [noise()], { expectedRevision: 'no_stream' });
    expect(await projections.waitFor(tail.position, ['NoteAdded'], 5_000)).toBe(true);
    expect(await db.database.knex('notes').pluck('text')).toEqual(['first']);

    // Twenty writes the projection must be checked for (each wait nudges it every 100 ms): the runner polls,
    // but each poll reads only what is new, not the 1,000 events behind its checkpoint again.
    const before = { ...double.stats };
    for (let i = 0; i < 20; i++) {
      const write = await store.appendToStream('telemetry-x', [noise()], { expectedRevision: 'any' });
      expect(await projections.waitFor(write.position, ['NoteAdded'], 5_000)).toBe(true);
    }
    const polls = double.stats.allReads - before.allReads;
    const read = double.stats.allEventsRead - before.allEventsRead;
    const scannedBySubscriptions = double.stats.subscriptionEventsScanned - before.subscriptionEventsScanned;
    expect(polls).toBeGreaterThan(0);
    // A rescan would read ≥ 1,000 events per poll; reading only what is new costs a few events per poll.
    expect(read).toBeLessThan(polls * 10);
    expect(scannedBySubscriptions).toBeLessThan(
      (double.stats.subscriptionsOpened - before.subscriptionsOpened + 1) * 30,
    );

    const added = await store.appendToStream('note-2', [note('second')], { expectedRevision: 'no_stream' });
    expect(await projections.waitFor(added.position, ['NoteAdded'], 5_000)).toBe(true);
    expect(await db.database.knex('notes').orderBy('text').pluck('text')).toEqual(['first', 'second']);

    await projections.stop();
    await expect.poll(() => double.subscriptionCount, { timeout: 2_000 }).toBe(0);
  });
});
