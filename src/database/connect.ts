import knexFactory, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import pg from 'pg';

// Postgres int8 (bigint) columns come back as strings by default; our revisions and counters fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type DatabaseTarget =
  { kind: 'postgres'; url: string; poolMax?: number } | { kind: 'pglite'; dataDir: string | null };

/** A Knex instance plus how to reach it again (LISTEN needs its own connection on a Postgres server). */
export interface Database {
  readonly knex: Knex;
  readonly target: DatabaseTarget;
  close(): Promise<void>;
}

/**
 * Knex writes a failed statement into the error message with its bindings filled in; a failed append's bindings
 * are events (password hashes, secret digests), and error messages get logged. Placeholders only.
 */
const WITHOUT_BINDINGS_IN_ERRORS = { compileSqlOnError: false } as const;

export function connectDatabase(target: DatabaseTarget): Database {
  const knex =
    target.kind === 'postgres'
      ? knexFactory({
          client: 'pg',
          connection: target.url,
          pool: { min: 0, max: target.poolMax ?? 20 },
          ...WITHOUT_BINDINGS_IN_ERRORS,
        })
      : knexFactory({
          ...WITHOUT_BINDINGS_IN_ERRORS,
          // knex-pglite ships a CommonJS class typed as knex's Client; Knex's typing for `client` accepts it.
          client: ClientPGLite,
          // PGlite takes a directory (persistent) or nothing (in memory).
          connection: (target.dataDir === null ? {} : { filename: target.dataDir }) as Knex.StaticConnectionConfig,
        });
  let closed = false;
  return {
    knex,
    target,
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
    },
  };
}
