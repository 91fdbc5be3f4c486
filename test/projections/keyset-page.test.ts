import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pageBy,
  pageOfRows,
  type Keyset,
  type PageKey,
  type PageRequest,
} from '../../src/projections/queries/keyset-page.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

interface Item {
  id: string;
  at: string;
}

/** Rows sharing timestamps (down to the microsecond) and rows a microsecond apart: the tie-breaker decides. */
const SAME = '2026-01-01T10:00:00.123456Z';
const NEXT_MICRO = '2026-01-01T10:00:00.123457Z';

describe.each(databaseTargets())('keyset pages (%s)', (target) => {
  let db: TestDatabase;
  const table = `keyset_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await db.database.knex.schema.createTable(table, (t) => {
      t.uuid('id').primary();
      t.timestamp('at', { useTz: true }).notNullable();
    });
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  const insert = (at: string, count: number) =>
    db.database.knex(table).insert(Array.from({ length: count }, () => ({ id: randomUUID(), at })));

  async function walk(keyset: Keyset, limit: number, between?: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    let after: PageKey | null = null;
    for (let pages = 0; pages < 100; pages++) {
      const page: PageRequest = { limit, after };
      const query = db.database.knex(table).select('id');
      const rows = await pageBy(db.database.knex, query, { ...keyset }, page);
      const { items, next } = pageOfRows<Pick<Item, 'id'>>(rows, page, (row) => row.id);
      expect(items.length).toBeLessThanOrEqual(limit);
      expect(items.every((item) => !('page_at' in item))).toBe(true);
      seen.push(...items.map((item) => item.id));
      if (!next) return seen;
      after = next;
      await between?.();
    }
    throw new Error('more than 100 pages');
  }

  it.each(['asc', 'desc'] as const)(
    'walks %s through rows with equal timestamps, each once, while rows are inserted',
    async (order) => {
      await db.database.knex(table).delete();
      await insert(SAME, 7);
      await insert(NEXT_MICRO, 4);
      const before = (await db.database.knex(table).select('id')).map((row: { id: string }) => row.id);
      // Inserted between pages, at the same instant as rows already listed and after them.
      const seen = await walk({ at: `${table}.at`, id: `${table}.id`, order }, 3, () =>
        Promise.all([insert(SAME, 1), insert(NEXT_MICRO, 1)]),
      );
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen).toEqual(expect.arrayContaining(before));
      const ordered = await db.database
        .knex(table)
        .select('id')
        .orderBy([
          { column: 'at', order },
          { column: 'id', order },
        ]);
      const expected = ordered.map((row: { id: string }) => row.id).filter((id: string) => seen.includes(id));
      expect(seen).toEqual(expected);
    },
  );

  it('says there is no next page when the last page is exactly full', async () => {
    await db.database.knex(table).delete();
    await insert(SAME, 6);
    const page = { limit: 6, after: null };
    const rows = await pageBy(
      db.database.knex,
      db.database.knex(table).select('id'),
      {
        at: `${table}.at`,
        id: `${table}.id`,
        order: 'asc',
      },
      page,
    );
    const result = pageOfRows<{ id: string }>(rows, page, (row) => row.id);
    expect(result.items).toHaveLength(6);
    expect(result.next).toBeNull();
  });
});
