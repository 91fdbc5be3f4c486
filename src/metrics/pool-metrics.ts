import type { Knex } from 'knex';
import { Gauge, type Registry } from 'prom-client';

/** What a tarn pool (knex's) tells about itself. */
interface TarnPool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
}

function tarnPoolOf(knex: Knex): TarnPool | null {
  const pool = (knex.client as { pool?: Partial<TarnPool> | null }).pool;
  if (!pool || typeof pool.numUsed !== 'function' || typeof pool.numFree !== 'function') return null;
  if (typeof pool.numPendingAcquires !== 'function') return null;
  return pool as TarnPool;
}

/** A database whose pool is reported, by a name that never contains its URL (it may hold a password). */
export interface PooledDatabase {
  name: string;
  knex: Knex;
}

/**
 * `smarthome_db_pool_connections{database, state}`: connections in use, free, and acquisitions waiting, read at
 * scrape time. Embedded PGlite has no pool: it is one connection in this process, and is left out.
 */
export function registerPoolMetrics(registry: Registry, databases: () => readonly PooledDatabase[]): void {
  new Gauge({
    name: 'smarthome_db_pool_connections',
    help: 'Database pool connections by state (used, free; pending: acquisitions waiting for one), per database',
    labelNames: ['database', 'state'],
    registers: [registry],
    collect() {
      for (const { name, knex } of databases()) {
        const pool = tarnPoolOf(knex);
        if (!pool) continue;
        this.set({ database: name, state: 'used' }, pool.numUsed());
        this.set({ database: name, state: 'free' }, pool.numFree());
        this.set({ database: name, state: 'pending' }, pool.numPendingAcquires());
      }
    },
  });
}
