import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import pg from 'pg';

/**
 * Postgres advisory locks keyed by a 64-bit hash of a name (PGlite has them too). Two families per projection:
 * - `batchLockKey`: a transaction-level lock every batch of the live runner takes, and that the swap of a rebuild
 *   takes, so a batch and a swap never interleave (see ARCHITECTURE.md, "Blue/green rebuilds");
 * - `workerLockKey`: a session-level lock a `projections run` worker holds on a dedicated connection for as long
 *   as it applies that projection, so one worker per projection runs across processes.
 */
export function advisoryKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

export const batchLockKey = (projection: string) => advisoryKey(`projection-batch:${projection}`);
export const workerLockKey = (projection: string) => advisoryKey(`projection-worker:${projection}`);

export async function lockForTransaction(trx: Knex.Transaction, key: string): Promise<void> {
  await trx.raw('select pg_advisory_xact_lock(?::bigint)', [key]);
}

/**
 * A session lock held on its own connection (a Postgres server only): the lock lives exactly as long as the
 * connection, so a worker that dies (even by kill -9) releases it when the server notices the closed socket.
 */
export class SessionLock {
  private client: pg.Client | null = null;
  private lost = false;

  constructor(
    private readonly url: string,
    readonly key: string,
  ) {}

  /** True when this process now holds the lock. */
  async tryAcquire(): Promise<boolean> {
    if (!this.client) {
      const client = new pg.Client({ connectionString: this.url });
      client.on('error', () => {
        this.lost = true;
      });
      await client.connect();
      this.client = client;
      this.lost = false;
    }
    const result = await this.client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [
      this.key,
    ]);
    return result.rows[0]!.locked;
  }

  /** False once the connection holding the lock broke (the lock is then gone too). */
  get held(): boolean {
    return this.client !== null && !this.lost;
  }

  async release(): Promise<void> {
    const client = this.client;
    this.client = null;
    if (!client) return;
    // Best effort: a session-level advisory lock ends with its connection, so when the unlock fails (the
    // connection is already broken) ending the client releases it anyway, and a failing end has nothing to free.
    await client.query('select pg_advisory_unlock($1::bigint)', [this.key]).catch(() => {});
    await client.end().catch(() => {});
  }
}
