import type { Knex } from 'knex';
import { prepareRead, type ParamKinds, type ParamsOf, type PreparedRead } from '../../database/prepared-read.ts';
import { keysetRows, type Keyset, type PageKey, type PageRequest } from './keyset-page.ts';

/**
 * A keyset page (`keyset-page.ts`) answered by the database as the API sends it: one row holding the items' JSON
 * array, the key of the last item and how many rows were fetched. On a page of 100 gateways, parsing the rows into
 * objects and serialising them again was about half of the server's CPU per request (1,136 → 543 µs measured on
 * 2026-12-02); PostgreSQL writes the same JSON for less than the driver spends parsing the rows.
 *
 * The items' keys come in the order `fields` gives, with JSON nulls for SQL nulls; the array is `json_agg`'s text, so
 * its whitespace differs from `JSON.stringify`'s, not its value.
 */
export interface JsonPage {
  /** The items as a JSON array. */
  json: string;
  /** The key of the last item when more rows follow; null on the last page. */
  next: PageKey | null;
}

const FIRST_PAGE = { rows: 'integer', limit: 'integer' } as const;
const LATER_PAGE = { rows: 'integer', limit: 'integer', after_at: 'text', after_id: 'text' } as const;

export interface PreparedJsonPage<Kinds extends ParamKinds> {
  first: PreparedRead<Kinds & typeof FIRST_PAGE>;
  later: PreparedRead<Kinds & typeof LATER_PAGE>;
}

interface JsonPageRow {
  items: string;
  next_at: string | null;
  next_id: string | null;
  fetched: number;
}

/** Field names go into the SQL text as identifiers and keys: only plain lower-case names are accepted. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Wraps `pageRows` (the keyset's `limit + 1` rows, each with `page_at`) into the page's one row. The rows are
 * numbered in the keyset's order, so the aggregate keeps that order and leaves out the extra row that only says
 * "more follow".
 */
function asJsonPage(knex: Knex, pageRows: Knex.QueryBuilder, keyset: Keyset, fields: readonly string[], limit: number) {
  const idColumn = keyset.id.split('.').at(-1)!;
  for (const name of [...fields, idColumn]) {
    if (!PLAIN_NAME.test(name)) throw new Error(`json page: ${name} is not a plain column name`);
  }
  const direction = keyset.order === 'asc' ? 'asc' : 'desc';
  const numbered = knex
    .from(pageRows.as('page_rows'))
    .select(
      'page_rows.*',
      knex.raw(`row_number() over (order by page_at collate "C" ${direction}, ${idColumn} ${direction}) as page_n`),
    );
  const object = fields.map((name) => `'${name}', ${name}`).join(', ');
  return knex
    .from(numbered.as('page'))
    .select(
      knex.raw(
        `coalesce(json_agg(json_build_object(${object}) order by page_n) filter (where page_n <= ?), '[]')::text as items`,
        [limit],
      ),
      knex.raw('max(page_at) filter (where page_n = ?) as next_at', [limit]),
      knex.raw(`max(${idColumn}::text) filter (where page_n = ?) as next_id`, [limit]),
      knex.raw('count(*)::integer as fetched'),
    );
}

/** `build`'s rows paged by `keyset` and answered as JSON, compiled once per variant (`<name>_first`, `<name>_later`). */
export function prepareJsonPage<Kinds extends ParamKinds>(
  name: string,
  kinds: Kinds,
  keyset: Keyset,
  fields: readonly string[],
  build: (knex: Knex, params: ParamsOf<Kinds>) => Knex.QueryBuilder,
): PreparedJsonPage<Kinds> {
  // The page's own parameters, typed apart from the query's (TypeScript does not narrow them out of `Kinds & …`).
  return {
    first: prepareRead(`${name}_first`, { ...kinds, ...FIRST_PAGE }, (knex, params) => {
      const { rows, limit } = params as ParamsOf<typeof FIRST_PAGE>;
      return asJsonPage(knex, keysetRows(knex, build(knex, params), keyset, null, rows), keyset, fields, limit);
    }),
    later: prepareRead(`${name}_later`, { ...kinds, ...LATER_PAGE }, (knex, params) => {
      const { rows, limit, after_at, after_id } = params as ParamsOf<typeof LATER_PAGE>;
      const after = { at: after_at, id: after_id };
      return asJsonPage(knex, keysetRows(knex, build(knex, params), keyset, after, rows), keyset, fields, limit);
    }),
  };
}

/** The parameters of one page's statement: the query's own, and the page's. */
export function jsonPageParams<Kinds extends ParamKinds>(params: ParamsOf<Kinds>, page: PageRequest) {
  const sized = { ...params, rows: page.limit + 1, limit: page.limit };
  return page.after ? { ...sized, after_at: page.after.at, after_id: page.after.id } : sized;
}

/** The page from its one row: the next key only when a row beyond the page was fetched. */
export function jsonPageOf(row: JsonPageRow | undefined, page: PageRequest): JsonPage {
  if (!row) return { json: '[]', next: null };
  const more = row.fetched > page.limit && row.next_at !== null && row.next_id !== null;
  return { json: row.items, next: more ? { at: row.next_at!, id: row.next_id! } : null };
}

/** One page of a prepared JSON list. */
export async function readJsonPage<Kinds extends ParamKinds>(
  knex: Knex,
  statements: PreparedJsonPage<Kinds>,
  params: ParamsOf<Kinds>,
  page: PageRequest,
): Promise<JsonPage> {
  const values = jsonPageParams(params, page);
  const [row] = page.after
    ? await statements.later.read<JsonPageRow>(knex, values as ParamsOf<Kinds & typeof LATER_PAGE>)
    : await statements.first.read<JsonPageRow>(knex, values as ParamsOf<Kinds & typeof FIRST_PAGE>);
  return jsonPageOf(row, page);
}
