import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { firstValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { useEventStore } from '../support/event-store-fixture.ts';
import { ReadHorizonGate } from '../support/read-horizon-gate.ts';

/**
 * The reason positions are (transaction id, sequence): a transaction that took its sequence number first but
 * commits last must not be skipped by a reader that already saw a later one. And the reason readers look at
 * appending transactions only: anything else running on the server must not stall them.
 */
describe.runIf(process.env.TEST_DATABASE_URL)('Postgres server: an event that commits late is never skipped', () => {
  const fixture = useEventStore('postgres');

  const appendSql = `select outcome from es_append($1, 'no_stream', array[$2::uuid], array[$3::text], array['{}'::jsonb], array['{}'::jsonb])`;

  async function openClient(): Promise<pg.Client> {
    if (fixture.db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    const client = new pg.Client({ connectionString: fixture.db.target.url });
    await client.connect();
    return client;
  }

  it('holds later transactions back until the earlier one commits, then delivers both in order', async () => {
    const start = await fixture.store.headPosition();
    const received = firstValueFrom(fixture.store.subscribeToAll({ after: start }).pipe(take(2), toArray()));

    const slow = await openClient();
    await slow.query('begin');
    // Takes its transaction id and sequence number now, commits at the end.
    await slow.query(appendSql, [`slow-${randomUUID()}`, randomUUID(), 'Slow']);

    await fixture.store.appendToStream(
      `fast-${randomUUID()}`,
      [{ id: randomUUID(), type: 'Fast', data: {}, metadata: {} }],
      {
        expectedRevision: 'no_stream',
      },
    );
    // The fast event is committed, but a reader must not see it past the still-running slow transaction.
    expect(await fixture.store.readAll({ after: start })).toEqual([]);

    await slow.query('commit');
    await slow.query(`select pg_notify('es_appended', '')`);
    await slow.end();
    const events = await received;
    expect(events.map((e) => e.type)).toEqual(['Slow', 'Fast']);
  });

  it('is not held back by a long transaction that is not appending (another database, an idle session)', async () => {
    const start = await fixture.store.headPosition();
    const idle = await openClient();
    try {
      await idle.query('begin');
      // An id of its own, as any writing transaction (or pg_dump's snapshot) would hold for its whole life.
      await idle.query('select pg_current_xact_id()');
      await idle.query('create temporary table scratch_work (n int)');
      await fixture.store.appendToStream(
        `fast-${randomUUID()}`,
        [{ id: randomUUID(), type: 'Fast', data: {}, metadata: {} }],
        {
          expectedRevision: 'no_stream',
        },
      );
      expect((await fixture.store.readAll({ after: start })).map((e) => e.type)).toEqual(['Fast']);
      expect(await fixture.store.headPosition()).not.toEqual(start);
    } finally {
      await idle.query('rollback');
      await idle.end();
    }
  });

  it('refuses an append that is not the first write of its transaction (readers may have looked past it)', async () => {
    const late = await openClient();
    try {
      await late.query('begin');
      await late.query('create temporary table scratch_work (n int)');
      await expect(late.query(appendSql, [`late-${randomUUID()}`, randomUUID(), 'Late'])).rejects.toThrow(
        /must be the first write of its transaction/,
      );
      await late.query('rollback');
      await late.query('begin');
      await late.query(`insert into es_streams (stream_name, revision) values ($1, 0)`, [`raw-${randomUUID()}`]);
      await expect(
        late.query(
          `insert into es_events (event_id, stream_name, revision, type, data, metadata) values ($1, 'raw', 0, 'Raw', '{}', '{}')`,
          [randomUUID()],
        ),
      ).rejects.toThrow(/must be the first write of its transaction/);
    } finally {
      await late.query('rollback');
      await late.end();
    }
  });
});

/**
 * The visible log is a prefix that only grows: readers (the projection runner's horizon, the checkpoint scan, a
 * subscription joining the shared tail) take "the head was at P" to mean "a read that starts now sees everything up
 * to P". A transaction elsewhere that ends while a read computes its horizon must not hide what an earlier read saw.
 */
describe.runIf(process.env.TEST_DATABASE_URL)('Postgres server: a later read sees what an earlier one saw', () => {
  const fixture = useEventStore('postgres');

  it('a transaction without events that ends between a read snapshot and its horizon hides nothing', async () => {
    if (fixture.db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    const url = fixture.db.target.url;
    const start = await fixture.store.headPosition();
    const gate = await ReadHorizonGate.install(url);
    const elsewhere = new pg.Client({ connectionString: url });
    await elsewhere.connect();
    try {
      await elsewhere.query('begin');
      await elsewhere.query('select pg_current_xact_id()');
      const { position } = await fixture.store.appendToStream(
        `seen-${randomUUID()}`,
        [{ id: randomUUID(), type: 'Seen', data: {}, metadata: {} }],
        { expectedRevision: 'no_stream' },
      );
      expect(await fixture.store.headPosition()).toBe(position);

      await gate.close('read_horizon as materialized');
      const read = fixture.store.readAll({ after: start, filter: { eventTypes: ['Seen', 'Other'] } });
      await gate.paused();
      await elsewhere.query('commit');
      await gate.open();
      expect((await read).map((event) => event.position)).toEqual([position]);
    } finally {
      await elsewhere.end();
      await gate.uninstall();
    }
  });
});
