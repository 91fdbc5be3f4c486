/**
 * An append looks events up by id (its idempotency check) and the read horizon by transaction: by index, however
 * small the log was when the session first planned them. plpgsql keeps the plan it made for a fresh, tiny store
 * (a sequential scan) for the whole life of a pooled connection, and nothing replans it as the log grows without
 * statistics (autovacuum off, or PGlite, which has none): every append then scanned the whole log (the rebuild
 * bench's seeding fell to ~140 events/s at 466,000 events). Counted in the transaction's own statistics.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

describe.each(databaseTargets())('appends on a fresh store (%s)', (target) => {
  const fixture = useEventStore(target);

  it('never scan the log sequentially, even while it is tiny', async () => {
    const knex = fixture.db.database.knex;
    await knex.transaction(async (trx) => {
      // The counts of this backend not yet flushed (creating the schema scanned the table): only the growth counts.
      const scans = async () =>
        (
          await trx.raw(
            `select coalesce(sum(seq_scan), 0)::int as scans from pg_stat_xact_user_tables where relname = 'es_events'`,
          )
        ).rows[0].scans as number;
      const before = await scans();
      for (let n = 0; n < 30; n++) {
        // Forty events per append (an account's history, as the rebuild bench seeds it): on a tiny table, forty
        // index probes cost the planner more than reading the table, so that is the plan the session keeps.
        const ids = Array.from({ length: 40 }, () => randomUUID());
        await trx.raw(`select * from es_append(?, 'no_stream', ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[])`, [
          `scan-${randomUUID()}`,
          ids,
          ids.map(() => 'ThingHappened'),
          ids.map(() => JSON.stringify({ n })),
          ids.map(() => '{}'),
        ]);
        const { rows } = await trx.raw('select es_may_hold_unseen_events(pg_current_xact_id()) as unseen');
        expect(rows[0].unseen).toBe(false); // still running: it cannot hide anything
      }
      expect((await scans()) - before).toBe(0);
    });
  });
});
