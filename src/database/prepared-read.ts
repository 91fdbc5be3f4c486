import knexFactory, { type Knex } from 'knex';
import pg from 'pg';
import { readPreparedOnPglite, isPglite } from './pglite-prepared.ts';
import { isPgliteWorkerClient } from './pglite-worker-client.ts';

/**
 * Hot reads as named prepared statements. A Knex query costs node CPU to build and compile on every call, and sent as
 * an unnamed statement it costs PostgreSQL a parse and a plan on every call too — more than executing it does. A
 * `PreparedRead` compiles its Knex query once, at module load, to native SQL (`$1`…); on a PostgreSQL server each
 * pooled connection parses it once under its name and PostgreSQL keeps the plan (a generic one after five runs). PGlite
 * has one backend, which keeps the names as a server's connection does (`pglite-prepared.ts`): there the parse and
 * plan skipped were most of a small read's cost. PGlite in a worker thread runs the same there, one message a read.
 *
 * Reads only, outside transactions: the statement runs on a connection of its own from the pool. Handed a
 * transaction, it runs through Knex on the transaction instead (on PGlite the transaction holds the only connection).
 */

/** What a parameter holds: its placeholder at compile time and its value at run time have this type. */
type ParamKind = 'text' | 'integer';
export type ParamKinds = Readonly<Record<string, ParamKind>>;
export type ParamsOf<Kinds extends ParamKinds> = {
  readonly [Key in keyof Kinds]: Kinds[Key] extends 'integer' ? number : string;
};

/** Where each `$n` of the compiled text comes from: a parameter, or a value the query builder fixed (`limit 1`). */
type ValueSource = { param: string } | { constant: unknown };

export interface PreparedRead<Kinds extends ParamKinds> {
  /** The statement's name on each connection: one text per name in the process (`prepareRead` refuses another). */
  readonly name: string;
  /** The native SQL, `$1`… in the order of `valuesOf`. */
  readonly text: string;
  valuesOf(params: ParamsOf<Kinds>): unknown[];
  /** Runs it on a pooled connection: named on a PostgreSQL server, as plain text on PGlite. */
  read<Row>(knex: Knex, params: ParamsOf<Kinds>): Promise<Row[]>;
  /** The same query built by Knex for these values, as it ran before it was prepared (for tests that compare). */
  viaKnex(knex: Knex, params: ParamsOf<Kinds>): Knex.QueryBuilder;
}

/** A Knex with PostgreSQL's dialect and no connection: it only compiles (PGlite speaks the same dialect). */
const compiler = knexFactory({ client: 'pg' });
/** name → text: one name with two texts would make pg refuse the second on every connection that saw the first. */
const texts = new Map<string, string>();

/**
 * Compiles `build` once. Knex puts every value into the bindings, so `build` runs twice with two different sets of
 * placeholders: a binding that follows them is that parameter, one that stays the same is a constant of the query,
 * and one that changes in another way means `build` transformed a parameter (it must pass each one through as is).
 */
export function prepareRead<Kinds extends ParamKinds>(
  name: string,
  kinds: Kinds,
  build: (knex: Knex, params: ParamsOf<Kinds>) => Knex.QueryBuilder,
): PreparedRead<Kinds> {
  const first = placeholders(kinds, 1);
  const second = placeholders(kinds, 2);
  const a = build(compiler, first).toSQL().toNative();
  const b = build(compiler, second).toSQL().toNative();
  if (a.sql !== b.sql) throw new Error(`prepared read ${name}: the SQL text depends on a parameter's value`);
  if ((texts.get(name) ?? a.sql) !== a.sql) throw new Error(`prepared read ${name} is defined twice`);
  texts.set(name, a.sql);
  const sources = a.bindings.map((value, index) => sourceOf(name, first, second, value, b.bindings[index]));
  for (const key of Object.keys(kinds)) {
    if (!sources.some((source) => 'param' in source && source.param === key)) {
      throw new Error(`prepared read ${name}: parameter ${key} is not used`);
    }
  }
  const valuesOf = (params: ParamsOf<Kinds>) =>
    sources.map((source) => ('param' in source ? params[source.param as keyof Kinds] : source.constant));
  return {
    name,
    text: a.sql,
    valuesOf,
    read: async <Row>(knex: Knex, params: ParamsOf<Kinds>): Promise<Row[]> =>
      knex.isTransaction ? await build(knex, params) : readOnPooledConnection<Row>(knex, name, a.sql, valuesOf(params)),
    viaKnex: (knex, params) => build(knex, params),
  };
}

function placeholders<Kinds extends ParamKinds>(kinds: Kinds, round: 1 | 2): ParamsOf<Kinds> {
  const entries = Object.entries(kinds).map(([key, kind], index) => [
    key,
    kind === 'integer' ? round * 1_000_000_000 + index : `prepared-read placeholder ${round}:${key}`,
  ]);
  return Object.fromEntries(entries) as ParamsOf<Kinds>;
}

function sourceOf(
  name: string,
  first: Readonly<Record<string, unknown>>,
  second: Readonly<Record<string, unknown>>,
  value: unknown,
  other: unknown,
): ValueSource {
  const param = Object.keys(first).find((key) => first[key] === value);
  if (param !== undefined && second[param] === other) return { param };
  if (value === other) return { constant: value };
  throw new Error(`prepared read ${name}: a binding is derived from a parameter instead of being one`);
}

/** The part of Knex's client that lends a pooled connection (public API of knex's `Client`). */
interface ConnectionLender {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/** pg's connection for the unnamed fallback (and PGlite's): `query(text, values)`. */
interface TextQueryable {
  query(text: string, values: unknown[]): Promise<{ rows: unknown[] }>;
}

/**
 * Connections where PostgreSQL refused a named statement because its result columns changed under it (a migration
 * that altered a column): PostgreSQL keeps refusing that name there, so those connections read unnamed from then on.
 */
const unnamedOnly = new WeakSet<object>();
/** Told by the server function that raises it, not by the message: `lc_messages` may translate the message. */
const resultTypeChanged = (error: unknown): boolean =>
  (error as { code?: unknown }).code === '0A000' &&
  (error as { routine?: unknown }).routine === 'RevalidateCachedQuery';

async function readOnPooledConnection<Row>(knex: Knex, name: string, text: string, values: unknown[]): Promise<Row[]> {
  const lender = knex.client as ConnectionLender;
  const connection = await lender.acquireConnection();
  try {
    const named = connection instanceof pg.Client || isPglite(connection) || isPgliteWorkerClient(connection);
    if (!named || unnamedOnly.has(connection as object)) {
      return (await (connection as TextQueryable).query(text, values)).rows as Row[];
    }
    try {
      if (isPglite(connection)) return await readPreparedOnPglite<Row>(connection, name, text, values);
      if (isPgliteWorkerClient(connection)) return await connection.readPrepared<Row>(name, text, values);
      return (await (connection as pg.Client).query({ name, text, values })).rows as Row[];
    } catch (error) {
      if (!resultTypeChanged(error)) throw error;
      unnamedOnly.add(connection as object);
      return (await (connection as TextQueryable).query(text, values)).rows as Row[];
    }
  } finally {
    await lender.releaseConnection(connection);
  }
}
