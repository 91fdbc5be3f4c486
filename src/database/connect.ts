import knexFactory, { type Knex } from 'knex';
import ClientPGLite from 'knex-pglite';
import pg from 'pg';
import { PgliteWorkerClient } from './pglite-worker-client.ts';
import { DEFAULT_PGLITE_THREAD, type PgliteThread } from './pglite-thread.ts';

// Postgres int8 (bigint) columns come back as strings by default; our revisions and counters fit in a double.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type DatabaseTarget =
  | { kind: 'postgres'; url: string; poolMax?: number }
  | { kind: 'pglite'; dataDir: string | null; thread?: PgliteThread | undefined };

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

/**
 * PGlite's connection for knex-pglite: where it finds the database (a directory, or none: in memory), or the client
 * of a worker thread that runs it (pglite-worker-client.ts), which knex-pglite drives as it drives a PGlite.
 */
function pgliteConnection(target: Extract<DatabaseTarget, { kind: 'pglite' }>): {
  connection: Knex.StaticConnectionConfig;
  worker: PgliteWorkerClient | null;
} {
  if ((target.thread ?? DEFAULT_PGLITE_THREAD) === 'worker') {
    const worker = new PgliteWorkerClient(target.dataDir);
    return { connection: { pglite: worker } as unknown as Knex.StaticConnectionConfig, worker };
  }
  const location = target.dataDir === null ? {} : { filename: target.dataDir };
  return { connection: location as Knex.StaticConnectionConfig, worker: null };
}

export function connectDatabase(target: DatabaseTarget): Database {
  const pglite = target.kind === 'pglite' ? pgliteConnection(target) : null;
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
          connection: pglite!.connection,
        });
  let closed = false;
  return {
    knex,
    target,
    async close() {
      if (closed) return;
      closed = true;
      await knex.destroy();
      // Knex closes the connection only if it ever opened it: a worker that ran nothing still has its thread.
      await pglite?.worker?.close();
    },
  };
}
