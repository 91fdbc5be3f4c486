import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { firstValueFrom, take, toArray, type Subscription } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { NotificationListener } from '../../src/eventstore/postgres/notification-listener.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/** Short, so that the tests see several polls quickly. */
const POLL_MS = 20;
const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openDatabase(name: 'pglite' | 'postgres'): Promise<TestDatabase> {
  const db = await openTestDatabase(name);
  cleanups.push(() => db.cleanup());
  return db;
}

/** A store polling every POLL_MS; `listening` adds LISTEN on a Postgres server (other processes' wake-ups). */
async function openStore(db: TestDatabase, listening: boolean): Promise<PostgresEventStore> {
  const target = db.target;
  const listener = listening && target.kind === 'postgres' ? new NotificationListener(target.url) : undefined;
  await listener?.start();
  const store = await PostgresEventStore.open({
    knex: db.database.knex,
    kind: target.kind,
    listener,
    pollIntervalMs: POLL_MS,
  });
  cleanups.push(() => store.close());
  return store;
}

function collect(store: PostgresEventStore, after: string | null, eventTypes?: string[]): RecordedEvent[] {
  const received: RecordedEvent[] = [];
  const subscription: Subscription = store
    .subscribeToAll({ after, ...(eventTypes ? { filter: { eventTypes } } : {}) })
    .subscribe((recorded) => received.push(recorded));
  cleanups.push(() => subscription.unsubscribe());
  return received;
}

for (const name of databaseTargets()) {
  describe(`Postgres adapter idle poll (${name})`, () => {
    it('idle subscriptions cost one head read per poll between them, and no page read', async () => {
      const store = await openStore(await openDatabase(name), true);
      await store.appendToStream('before-1', [event('Before')], { expectedRevision: 'no_stream' });
      const start = await store.headPosition();
      const reads = vi.spyOn(store, 'readAll');
      const heads = vi.spyOn(store, 'headPosition');
      collect(store, start);
      collect(store, start, ['Wanted']);
      collect(store, start, ['Wanted', 'Other']);
      collect(store, null, ['Before']);
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(4)); // the catch-up reads
      await vi.waitFor(() => expect(heads.mock.calls.length).toBeGreaterThanOrEqual(5));
      expect(reads).toHaveBeenCalledTimes(4);
    });

    it('an append nobody signals is found by the poll: one shared read, and a follower of other types rests', async () => {
      const db = await openDatabase(name);
      // No LISTEN: the writer's appends reach the reader through its poll only.
      const reader = await openStore(db, false);
      const writer = await openStore(db, false);
      const start = await reader.headPosition();
      const reads = vi.spyOn(reader, 'readAll');
      const heads = vi.spyOn(reader, 'headPosition');
      const wanted = collect(reader, start, ['Wanted']);
      const other = collect(reader, start, ['Other']);
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(2));

      await writer.appendToStream('wanted-1', [event('Wanted')], { expectedRevision: 'no_stream' });
      await vi.waitFor(() => expect(wanted.map((e) => e.streamName)).toEqual(['wanted-1']));
      // Both are live: the head that moved wakes their shared tail, whose one read serves both.
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(3));
      const headsSoFar = heads.mock.calls.length;
      await vi.waitFor(() => expect(heads.mock.calls.length).toBeGreaterThanOrEqual(headsSoFar + 3));
      expect(reads).toHaveBeenCalledTimes(3);
      expect(other).toEqual([]);
    });
  });
}

describe.runIf(process.env.TEST_DATABASE_URL)('Postgres server: the idle poll and the read horizon', () => {
  it('an append behind an older open transaction, never signalled, is delivered in order once that commits', async () => {
    const db = await openDatabase('postgres');
    if (db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    const store = await openStore(db, false);
    const start = await store.headPosition();
    const reads = vi.spyOn(store, 'readAll');
    const heads = vi.spyOn(store, 'headPosition');
    const received = firstValueFrom(store.subscribeToAll({ after: start }).pipe(take(2), toArray()));
    await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(1)); // its catch-up read
    await vi.waitFor(() => expect(heads.mock.calls.length).toBeGreaterThanOrEqual(2)); // and a poll after it

    const appendSql = `select es_append($1, 'no_stream', array[$2::uuid], array[$3::text], array['{}'::jsonb], array['{}'::jsonb])`;
    const slow = new pg.Client({ connectionString: db.target.url });
    const fast = new pg.Client({ connectionString: db.target.url });
    await Promise.all([slow.connect(), fast.connect()]);
    cleanups.push(() => Promise.all([slow.end(), fast.end()]).then(() => {}));
    await slow.query('begin');
    // Takes its transaction id now and commits last; no NOTIFY from either (raw es_append).
    await slow.query(appendSql, ['slow', randomUUID(), 'Slow']);
    await fast.query(appendSql, ['fast', randomUUID(), 'Fast']);

    // The committed 'Fast' is behind the horizon: the polled head does not move, and nobody reads.
    const headsSoFar = heads.mock.calls.length;
    await vi.waitFor(() => expect(heads.mock.calls.length).toBeGreaterThanOrEqual(headsSoFar + 3));
    expect(reads).toHaveBeenCalledTimes(1);

    await slow.query('commit');
    expect((await received).map((e) => e.type)).toEqual(['Slow', 'Fast']);
  });
});
