import type { Knex } from 'knex';
import { prepareRead, type ParamKinds, type ParamsOf, type PreparedRead } from '../../database/prepared-read.ts';

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
  return keysetRows(knex, query, keyset, page.after, page.limit + 1);
}

/** `pageBy` with the number of rows to read given as is (a prepared statement takes it as a parameter). */
export function keysetRows<Query extends Knex.QueryBuilder>(
  knex: Knex,
  query: Query,
  keyset: Keyset,
  after: PageKey | null,
  rows: number,
): Query {
  query.select(knex.raw(`to_char(?? at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${PAGE_AT}`, [keyset.at]));
  if (after) {
    const beyond = keyset.order === 'asc' ? '>' : '<';
    query.whereRaw(`(??, ??) ${beyond} (?::timestamptz, ?)`, [keyset.at, keyset.id, after.at, after.id]);
  }
  query
    .orderBy([
      { column: keyset.at, order: keyset.order },
      { column: keyset.id, order: keyset.order },
    ])
    .limit(rows);
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

const FIRST_PAGE = { rows: 'integer' } as const;
const LATER_PAGE = { rows: 'integer', after_at: 'text', after_id: 'text' } as const;

/** A list's pages as two prepared reads: the first page, and the pages after a key (`prepared-read.ts`). */
export interface PreparedPage<Kinds extends ParamKinds> {
  first: PreparedRead<Kinds & typeof FIRST_PAGE>;
  later: PreparedRead<Kinds & typeof LATER_PAGE>;
}

/** `pageBy` over `build`'s query, compiled once per variant (named `<name>_first` and `<name>_later`). */
export function preparePage<Kinds extends ParamKinds>(
  name: string,
  kinds: Kinds,
  keyset: Keyset,
  build: (knex: Knex, params: ParamsOf<Kinds>) => Knex.QueryBuilder,
): PreparedPage<Kinds> {
  // The page's own parameters, typed apart from the query's (TypeScript does not narrow them out of `Kinds & …`).
  return {
    first: prepareRead(`${name}_first`, { ...kinds, ...FIRST_PAGE }, (knex, params) => {
      const { rows } = params as ParamsOf<typeof FIRST_PAGE>;
      return keysetRows(knex, build(knex, params), keyset, null, rows);
    }),
    later: prepareRead(`${name}_later`, { ...kinds, ...LATER_PAGE }, (knex, params) => {
      const { rows, after_at, after_id } = params as ParamsOf<typeof LATER_PAGE>;
      return keysetRows(knex, build(knex, params), keyset, { at: after_at, id: after_id }, rows);
    }),
  };
}

/** One page of a prepared list, as `pageOfRows` gives it. */
export async function readPage<Row, Kinds extends ParamKinds>(
  knex: Knex,
  statements: PreparedPage<Kinds>,
  params: ParamsOf<Kinds>,
  page: PageRequest,
  idOf: (row: Row) => string,
): Promise<Page<Row>> {
  const rows = page.after
    ? await statements.later.read<Row & { page_at: string }>(knex, {
        ...params,
        rows: page.limit + 1,
        after_at: page.after.at,
        after_id: page.after.id,
      })
    : await statements.first.read<Row & { page_at: string }>(knex, { ...params, rows: page.limit + 1 });
  return pageOfRows(rows, page, idOf);
}
