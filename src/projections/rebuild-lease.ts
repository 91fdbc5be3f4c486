import type { Knex } from 'knex';
import type { DatabaseTarget } from '../database/connect.ts';
import { advisoryKey, SessionLock, SessionLockConnection } from './advisory-locks.ts';

/** The lease a rebuild of `projection` holds while it runs, on whatever node or CLI runs it. */
export const rebuildLockKey = (projection: string) => advisoryKey(`projection-rebuild:${projection}`);

/** A rebuild lease taken: `release` ends it (idempotent). */
export interface RebuildLease {
  release(): Promise<void>;
}

/**
 * One rebuild of a projection at a time, across nodes and the CLI. On a Postgres server the lease is a
 * session-level advisory lock on a connection of its own, opened for the rebuild: a node or CLI that dies (even by
 * kill -9) loses its connection, and the lease with it, so the next rebuild is never blocked by a dead one. On
 * PGlite the DATA_DIR lock already makes this process the only one, and the leases are kept in memory. (The swap
 * itself is still serialised with the live runner by the batch lock: rebuild.ts.)
 */
export class RebuildLeases {
  /** Process-wide (every instance in this process shares it): on PGlite the process is the whole deployment. */
  private static readonly taken = new Set<string>();
  private readonly local = RebuildLeases.taken;

  constructor(
    private readonly target: DatabaseTarget,
    private readonly knex: Knex,
  ) {}

  /** The lease, or null when a rebuild of this projection runs already (here or on another node). */
  async tryTake(projection: string): Promise<RebuildLease | null> {
    if (this.local.has(projection)) return null;
    this.local.add(projection);
    const forget = () => void this.local.delete(projection);
    if (this.target.kind !== 'postgres') return { release: async () => forget() };
    const connection = new SessionLockConnection(this.target.url);
    const lock = new SessionLock(connection, rebuildLockKey(projection));
    try {
      if (await lock.tryAcquire()) {
        return {
          release: async () => {
            await lock.release();
            await connection.close();
            forget();
          },
        };
      }
    } catch (error) {
      forget();
      await connection.close();
      throw error;
    }
    forget();
    await connection.close();
    return null;
  }

  /** Which of these projections have a rebuild running now, anywhere (the lease is held). */
  async running(projections: readonly string[]): Promise<Set<string>> {
    if (this.target.kind !== 'postgres') return new Set(projections.filter((name) => this.local.has(name)));
    const held = await this.knex.raw<{ rows: { key: string }[] }>(
      `select ((classid::bigint << 32) | objid::bigint)::text as key
         from pg_locks where locktype = 'advisory' and objsubid = 1 and granted
          and database = (select oid from pg_database where datname = current_database())`,
    );
    const keys = new Set(held.rows.map((row) => row.key));
    return new Set(projections.filter((name) => keys.has(rebuildLockKey(name)) || this.local.has(name)));
  }
}
