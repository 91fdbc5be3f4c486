import type { Knex } from 'knex';

/**
 * Keyset pagination over `(timestamp, id)`: stable under concurrent inserts (a page starts strictly after the last
 * row of the previous one, so nothing is skipped or repeated), and as cheap on page 100 as on page 1. The
 * timestamp travels as the database's microsecond UTC text, so a tie at the millisecond is still ordered right.
 */
export interface PageKey {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, UTC, microseconds. */
  at: string;
  id: string;
}

export interface PageRequest {
  limit: number;
  after: PageKey | null;
}

export interface Page<Row> {
  items: Row[];
  /** The key of the last item when more rows follow; null on the last page. */
  next: PageKey | null;
}

export interface Keyset {
  /** Qualified columns, e.g. `gateways.created_at` and `gateways.id`. */
  at: string;
  id: string;
  order: 'asc' | 'desc';
}

const PAGE_AT = 'page_at';

/** Adds the key column, the "after" bound, the order and `limit + 1` rows (the extra one says "more follow"). */
export function pageBy<Query extends Knex.QueryBuilder>(
  knex: Knex,
  query: Query,
  keyset: Keyset,
  page: PageRequest,
): Query {
  query.select(knex.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${PAGE_AT}`, [keyset.at]));
  if (page.after) {
    const beyond = keyset.order === 'asc' ? '>' : '<';
    query.whereRaw(`(??, ??) ${beyond} (?::timestamptz, ?)`, [keyset.at, keyset.id, page.after.at, page.after.id]);
  }
  query
    .orderBy([
      { column: keyset.at, order: keyset.order },
      { column: keyset.id, order: keyset.order },
    ])
    .limit(page.limit + 1);
  return query;
}

/** The page from `pageBy`'s rows: at most `limit` items, the key column removed, and the next key. */
export function pageOfRows<Row>(
  rows: Array<Row & { page_at: string }>,
  page: PageRequest,
  idOf: (row: Row) => string,
): Page<Row> {
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept.at(-1);
  const items = kept.map(({ page_at: _key, ...row }) => row as unknown as Row);
  return { items, next: more && last ? { at: last.page_at, id: idOf(last) } : null };
}
