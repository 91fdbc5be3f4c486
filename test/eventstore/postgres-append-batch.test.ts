import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import type { EventToAppend } from '../../src/eventstore/port.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/**
 * es_append_batch runs each stream in its own subtransaction: when an identical append races one stream of a
 * batch (both past the idempotency check), the unique violation on the event ids undoes only that stream, which
 * the adapter appends again and finds already appended; the batch's other streams commit untouched.
 */
describe.runIf(process.env.TEST_DATABASE_URL)(
  'Postgres server: a racing identical append affects one stream of a batch',
  () => {
    const fixture = useEventStore('postgres');

    it('reports the raced stream as already appended and appends the others', async () => {
      if (fixture.db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
      const raced = `race_${randomUUID()}`;
      const other = `race_${randomUUID()}`;
      const events: EventToAppend[] = [{ id: randomUUID(), type: 'Raced', data: {}, metadata: {} }];
      const rival = new pg.Client({ connectionString: fixture.db.target.url });
      await rival.connect();
      try {
        // The rival appends the same events and holds its transaction open: the batch waits on the stream's row.
        await rival.query('begin');
        await rival.query(
          `select outcome from es_append($1, 'any', array[$2::uuid], array['Raced'], array['{}'::jsonb], array['{}'::jsonb])`,
          [raced, events[0]!.id],
        );
        const batch = fixture.store.appendToStreams!([
          {
            stream: other,
            events: [{ id: randomUUID(), type: 'Other', data: {}, metadata: {} }],
            expectedRevision: 'no_stream',
          },
          { stream: raced, events, expectedRevision: 'any' },
        ]);
        // Commit only once the batch is blocked behind the rival, so that both passed the idempotency check.
        await vi.waitFor(
          async () => {
            const waiting = await rival.query(
              `select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
            );
            expect((waiting.rows[0] as { n: number }).n).toBeGreaterThan(0);
          },
          { timeout: 20_000, interval: 5 },
        );
        await rival.query('commit');
        const [otherOutcome, racedOutcome] = await batch;
        expect(otherOutcome).toMatchObject({ nextExpectedRevision: 0 });
        expect(racedOutcome).toMatchObject({ nextExpectedRevision: 0 });
        expect((await fixture.store.readStream(raced)).map((event) => event.id)).toEqual([events[0]!.id]);
        expect(await fixture.store.readStream(other)).toHaveLength(1);
      } finally {
        await rival.end();
      }
    });
  },
);
