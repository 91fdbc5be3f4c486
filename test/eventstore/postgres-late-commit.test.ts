import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { firstValueFrom, take, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The reason positions are (transaction id, sequence): a transaction that took its sequence number first but
 * commits last must not be skipped by a reader that already saw a later one.
 */
describe.runIf(process.env.TEST_DATABASE_URL)('Postgres server: an event that commits late is never skipped', () => {
  let db: TestDatabase;
  let store: EventStore;
  beforeAll(async () => {
    db = await openTestDatabase('postgres');
    store = await openPostgresEventStore(db.database, createLogger('silent'));
  });
  afterAll(async () => {
    await store.close();
    await db.cleanup();
  });

  it('holds later transactions back until the earlier one commits, then delivers both in order', async () => {
    if (db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    const start = await store.headPosition();
    const received = firstValueFrom(store.subscribeToAll({ after: start }).pipe(take(2), toArray()));

    const slow = new pg.Client({ connectionString: db.target.url });
    await slow.connect();
    await slow.query('begin');
    // Takes its transaction id and sequence number now, commits at the end.
    await slow.query(`insert into es_streams (stream_name, revision) values ('slow', 0)`);
    await slow.query(
      `insert into es_events (event_id, stream_name, revision, type, data, metadata) values ($1, 'slow', 0, 'Slow', '{}', '{}')`,
      [randomUUID()],
    );

    await store.appendToStream('fast', [{ id: randomUUID(), type: 'Fast', data: {}, metadata: {} }], {
      expectedRevision: 'no_stream',
    });
    // The fast event is committed, but a reader must not see it past the still-running slow transaction.
    expect(await store.readAll({ after: start })).toEqual([]);

    await slow.query('commit');
    await slow.query(`select pg_notify('es_appended', '')`);
    await slow.end();
    const events = await received;
    expect(events.map((e) => e.type)).toEqual(['Slow', 'Fast']);
  });
});
