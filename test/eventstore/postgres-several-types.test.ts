import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { databaseTargets, openTestDatabase } from '../support/databases.ts';

/** Runs `check` against a store over a fresh database, closed and removed afterwards. */
async function withStore(name: 'pglite' | 'postgres', check: (store: PostgresEventStore) => Promise<void>) {
  const db = await openTestDatabase(name);
  try {
    const store = await PostgresEventStore.open({
      knex: db.database.knex,
      kind: db.target.kind,
      pollIntervalMs: 600_000,
    });
    try {
      await check(store);
    } finally {
      await store.close();
    }
  } finally {
    await db.cleanup();
  }
}

const event = (type: string): EventToAppend => ({ id: randomUUID(), type, data: {}, metadata: {} });

/**
 * A log where the wanted types are dense at first and rare further on: a page near the head is answered by one
 * bounded scan, one far behind (its wanted events beyond that scan's bound) by the per-type merge. Either way the
 * page is the first `maxCount` wanted events after the position, in log order.
 */
async function writeLog(store: PostgresEventStore): Promise<RecordedEvent[]> {
  const types = [
    ...Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? 'Wanted' : 'Other')),
    ...Array.from({ length: 60 }, () => 'Other'),
    'AlsoWanted',
    ...Array.from({ length: 25 }, () => 'Other'),
    'Wanted',
    'Unrelated',
    'AlsoWanted',
  ];
  await store.appendToStream('several-types', types.map(event), { expectedRevision: 'no_stream' });
  return store.readAll({ after: null, maxCount: 1000 });
}

for (const name of databaseTargets()) {
  describe(`Postgres adapter: pages of several event types (${name})`, () => {
    it('a page holds the first wanted events after the position, near the head and far behind it', () =>
      withStore(name, async (store) => {
        const log = await writeLog(store);
        const wanted = ['Wanted', 'AlsoWanted'];
        for (const start of [-1, 0, 5, 28, 29, 40, 88, 100, log.length - 3, log.length - 1]) {
          for (const maxCount of [1, 2, 3, 10, 100]) {
            const after = start < 0 ? null : log[start]!.position;
            const page = await store.readAll({ after, filter: { eventTypes: wanted }, maxCount });
            const expected = log.slice(start + 1).filter((recorded) => wanted.includes(recorded.type));
            expect(
              page.map((recorded) => recorded.id),
              `after #${start}, ${maxCount} per page`,
            ).toEqual(expected.slice(0, maxCount).map((recorded) => recorded.id));
          }
        }
      }));

    it('reading page after page far behind the head returns every wanted event once, in order', () =>
      withStore(name, async (store) => {
        const log = await writeLog(store);
        const wanted = ['AlsoWanted', 'Unrelated'];
        const read: RecordedEvent[] = [];
        let after: string | null = null;
        for (;;) {
          const page: RecordedEvent[] = await store.readAll({ after, filter: { eventTypes: wanted }, maxCount: 1 });
          if (page.length === 0) break;
          read.push(...page);
          after = page.at(-1)!.position;
        }
        expect(read.map((recorded) => recorded.id)).toEqual(
          log.filter((recorded) => wanted.includes(recorded.type)).map((recorded) => recorded.id),
        );
      }));
  });
}
