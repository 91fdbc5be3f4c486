import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { firstValueFrom, take, toArray, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AllFilter, EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { NotificationListener } from '../../src/eventstore/postgres/notification-listener.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/** Long enough that nothing in these tests is read because of the fallback poll. */
const NO_POLL_MS = 600_000;
const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(name: 'pglite' | 'postgres'): Promise<{ db: TestDatabase; store: PostgresEventStore }> {
  const db = await openTestDatabase(name);
  cleanups.push(() => db.cleanup());
  const listener = db.target.kind === 'postgres' ? new NotificationListener(db.target.url) : undefined;
  await listener?.start();
  const store = await PostgresEventStore.open({
    knex: db.database.knex,
    kind: db.target.kind,
    listener,
    pollIntervalMs: NO_POLL_MS,
  });
  cleanups.push(() => store.close());
  return { db, store };
}

function collect(store: PostgresEventStore, after: string | null, filter?: AllFilter): RecordedEvent[] {
  const received: RecordedEvent[] = [];
  const subscription: Subscription = store
    .subscribeToAll({ after, ...(filter ? { filter } : {}) })
    .subscribe((recorded) => received.push(recorded));
  cleanups.push(() => subscription.unsubscribe());
  return received;
}

const positions = (events: RecordedEvent[]) => events.map((e) => e.position);

for (const name of databaseTargets()) {
  describe(`Postgres adapter: the shared tail (${name})`, () => {
    it('live subscriptions with different filters each get their events once, in global order, from shared reads', async () => {
      const { store } = await openStore(name);
      const start = await store.headPosition();
      const reads = vi.spyOn(store, 'readAll');
      const filters: Array<AllFilter | undefined> = [
        { eventTypes: ['A'] },
        { eventTypes: ['B'] },
        { eventTypes: ['A', 'B'] },
        { streamPrefixes: ['c-'] },
        undefined,
      ];
      const first = collect(store, start, filters[0]);
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(1)); // its own read starts the tail
      const others = filters.slice(1).map((filter) => collect(store, start, filter));
      const received = [first, ...others];

      const append = (i: number) =>
        store.appendToStream(`${'abc'[i % 3]}-${i}`, [event(i % 2 ? 'A' : 'B'), event('C')], {
          expectedRevision: 'no_stream',
        });
      // One writer: each append wakes the subscriptions (all but one follow each of them).
      for (let i = 0; i < 30; i++) await append(i);
      await vi.waitFor(() => expect(received[4]).toHaveLength(60));
      // One read per wake-up at most, for all five: each used to read after every append it followed (~100 reads).
      expect(reads.mock.calls.length).toBeLessThanOrEqual(1 + 30);
      // Concurrent writers: batches, and appends that commit out of their position order.
      await Promise.all(Array.from({ length: 30 }, (_, i) => append(30 + i)));

      expect(await store.readAll({ after: start, maxCount: 1000 })).toHaveLength(120);
      for (const [index, filter] of filters.entries()) {
        const wanted = await store.readAll({ after: start, filter, maxCount: 1000 });
        await vi.waitFor(() => expect(positions(received[index]!)).toEqual(positions(wanted)));
      }
    });
  });
}

describe.runIf(process.env.TEST_DATABASE_URL)('Postgres server: the shared tail and the read horizon', () => {
  it('several live subscriptions get an event hidden behind an older open transaction in order once it commits', async () => {
    const { db, store } = await openStore('postgres');
    if (db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    const start = await store.headPosition();
    const all = firstValueFrom(store.subscribeToAll({ after: start }).pipe(take(3), toArray()));
    const slowOnly = firstValueFrom(
      store.subscribeToAll({ after: start, filter: { eventTypes: ['Slow'] } }).pipe(take(1), toArray()),
    );
    const fastAndSlow = firstValueFrom(
      store.subscribeToAll({ after: start, filter: { eventTypes: ['Slow', 'Fast'] } }).pipe(take(3), toArray()),
    );

    const slow = new pg.Client({ connectionString: db.target.url });
    await slow.connect();
    cleanups.push(() => slow.end());
    await slow.query('begin');
    // Takes its transaction id now and commits last, without a NOTIFY.
    await slow.query(
      `select es_append('slow', 'no_stream', array[$1::uuid], array['Slow'], array['{}'::jsonb], array['{}'::jsonb])`,
      [randomUUID()],
    );
    // Their wake-ups come while the slow transaction still hides them: the tail re-reads until it has them.
    await store.appendToStream('fast-1', [event('Fast')], { expectedRevision: 'no_stream' });
    await store.appendToStream('fast-2', [event('Fast')], { expectedRevision: 'no_stream' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await slow.query('commit');

    expect((await all).map((e) => e.streamName)).toEqual(['slow', 'fast-1', 'fast-2']);
    expect((await fastAndSlow).map((e) => e.streamName)).toEqual(['slow', 'fast-1', 'fast-2']);
    expect((await slowOnly).map((e) => e.streamName)).toEqual(['slow']);
  });
});
