import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { NotificationListener } from '../../src/eventstore/postgres/notification-listener.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/** Long enough that nothing in these tests is ever read because of the fallback poll. */
const NO_POLL_MS = 600_000;
const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function openStore(db: TestDatabase): Promise<PostgresEventStore> {
  const target = db.target;
  const listener = target.kind === 'postgres' ? new NotificationListener(target.url) : undefined;
  await listener?.start();
  const store = await PostgresEventStore.open({
    knex: db.database.knex,
    kind: target.kind,
    listener,
    pollIntervalMs: NO_POLL_MS,
  });
  cleanups.push(() => store.close());
  return store;
}

for (const name of databaseTargets()) {
  describe(`Postgres adapter wake-ups (${name})`, () => {
    it('an append wakes only the subscriptions that follow one of its event types', async () => {
      const db = await openTestDatabase(name);
      cleanups.push(() => db.cleanup());
      const store = await openStore(db);
      const start = await store.headPosition();
      const reads = vi.spyOn(store, 'readAll');
      const wanted = firstValueFrom(store.subscribeToAll({ after: start, filter: { eventTypes: ['Wanted'] } }));
      await vi.waitFor(() => expect(reads).toHaveBeenCalledTimes(1)); // the catch-up read
      for (let i = 0; i < 5; i++)
        await store.appendToStream(`other-${i}`, [event('Other')], { expectedRevision: 'no_stream' });
      await store.appendToStream('wanted-1', [event('Wanted')], { expectedRevision: 'no_stream' });
      expect((await wanted).type).toBe('Wanted');
      // On a shared server, another session's transaction may hold the read horizon back for a moment: the
      // subscription then re-reads until it has the announced event. None of those reads are for 'Other'.
      expect(reads.mock.calls.length).toBeGreaterThanOrEqual(2);
      if (name === 'pglite') expect(reads).toHaveBeenCalledTimes(2);
    });
  });
}

describe.runIf(process.env.TEST_DATABASE_URL)(
  'Postgres server: wake-ups across processes and behind open transactions',
  () => {
    it('a store on the same database wakes for the event types another store appended (NOTIFY payload), without a poll', async () => {
      const db = await openTestDatabase('postgres');
      cleanups.push(() => db.cleanup());
      const writer = await openStore(db);
      const reader = await openStore(db);
      const start = await reader.headPosition();
      const received = firstValueFrom(
        reader.subscribeToAll({ after: start, filter: { eventTypes: ['Wanted'] } }).pipe(take(2), toArray()),
      );
      await writer.appendToStream('other-1', [event('Other')], { expectedRevision: 'no_stream' });
      await writer.appendToStream('wanted-1', [event('Wanted')], { expectedRevision: 'no_stream' });
      await writer.appendToStream('wanted-2', [event('Wanted')], { expectedRevision: 'no_stream' });
      expect((await received).map((e) => e.streamName)).toEqual(['wanted-1', 'wanted-2']);
    });

    it('a local append held behind an older open transaction is delivered once that commits, without a NOTIFY or a poll', async () => {
      const db = await openTestDatabase('postgres');
      cleanups.push(() => db.cleanup());
      if (db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
      const store = await openStore(db);
      const start = await store.headPosition();
      const received = firstValueFrom(store.subscribeToAll({ after: start }).pipe(take(2), toArray()));

      const slow = new pg.Client({ connectionString: db.target.url });
      await slow.connect();
      await slow.query('begin');
      // An append that takes its transaction id and sequence number now and commits later.
      await slow.query(
        `select es_append('slow', 'no_stream', array[$1::uuid], array['Slow'], array['{}'::jsonb], array['{}'::jsonb])`,
        [randomUUID()],
      );
      // Its wake-up comes while the slow transaction still hides it; the subscription keeps re-reading.
      await store.appendToStream('fast', [event('Fast')], { expectedRevision: 'no_stream' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await slow.query('commit');
      await slow.end();
      expect((await received).map((e) => e.type)).toEqual(['Slow', 'Fast']);
    });
  },
);
