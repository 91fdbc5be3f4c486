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
 * `lockForTransaction` for a live runner's batch, whose commit does not wait for the WAL flush (`synchronous_commit`
 * off for this transaction, set in the same statement: no extra round trip). A batch is derived from the log and
 * its rows and checkpoint commit together, so a database crash can only lose the last batches whole: the runner
 * finds the checkpoint behind its own under the lock and applies them again (the "moved" path). Appends keep
 * their synchronous commit; the batches no longer add two WAL flushes per remote command to the ones the
 * command's own appends wait for (issue 16).
 */
export async function lockForAsyncCommitTransaction(trx: Knex.Transaction, key: string): Promise<void> {
  await trx.raw("select set_config('synchronous_commit', 'off', true), pg_advisory_xact_lock(?::bigint)", [key]);
}

/**
 * One connection per process for its session-level locks (the worker lock of every projection it applies): a
 * session lock lives exactly as long as its connection, so a process that dies (even by kill -9) releases them
 * all when the server notices the closed socket. One connection, not one per lock: a `serve` node on a Postgres
 * server tries every projection's lock, and a connection each would cost the server eight per node.
 */
export class SessionLockConnection {
  private client: pg.Client | null = null;
  private opening: Promise<pg.Client> | null = null;
  /** Bumped when a connection breaks: a lock taken on an earlier one is gone. */
  private generation = 0;
  /** pg rejects overlapping queries on one client: statements go one after another. */
  private queue: Promise<unknown> = Promise.resolve();

  /**
   * `holder` becomes the connection's `application_name`, so who holds which lock can be read from `pg_locks`
   * joined with `pg_stat_activity` (worker-holders.ts).
   */
  constructor(
    private readonly url: string,
    private readonly holder?: string,
  ) {}

  get currentGeneration(): number {
    return this.generation;
  }

  /** Whether the connection a lock was taken on (its generation) is still the live one. */
  alive(generation: number): boolean {
    return this.client !== null && this.generation === generation;
  }

  /** Runs `sql` on the live connection (opened on first use, again after a break); answers its generation too. */
  query<Row extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<{ rows: Row[]; generation: number }> {
    const run = this.queue.then(async () => {
      const client = await this.connection();
      const generation = this.generation;
      const result = await client.query<Row>(sql, values);
      return { rows: result.rows, generation };
    });
    this.queue = run.catch(() => {});
    return run;
  }

  private connection(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.opening ??= this.open().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async open(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      ...(this.holder === undefined ? {} : { application_name: lockHolderName(this.holder) }),
    });
    client.on('error', () => this.forget(client));
    client.on('end', () => this.forget(client));
    await client.connect();
    this.client = client;
    return client;
  }

  private forget(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = null;
    this.generation += 1;
  }

  /** Ends the connection: every lock on it is released. */
  async close(): Promise<void> {
    const client = this.client;
    if (client) this.forget(client);
    await client?.end().catch(() => {});
  }
}

/** The `application_name` of a lock connection held for `holder` (a node id); Postgres keeps 63 bytes. */
export const LOCK_HOLDER_PREFIX = 'smarthome-lock:';
export const lockHolderName = (holder: string) => `${LOCK_HOLDER_PREFIX}${holder}`.slice(0, 63);

/** One session-level lock on the process's shared lock connection. */
export class SessionLock {
  /** The connection generation it was taken on; null while not held. */
  private heldOn: number | null = null;

  constructor(
    private readonly connection: SessionLockConnection,
    readonly key: string,
  ) {}

  /** True when this process now holds the lock. */
  async tryAcquire(): Promise<boolean> {
    if (this.held) return true;
    const result = await this.connection.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1::bigint) as locked',
      [this.key],
    );
    if (result.rows[0]!.locked) this.heldOn = result.generation;
    return this.heldOn !== null;
  }

  /** False once the connection holding the lock broke (the lock is then gone too). */
  get held(): boolean {
    return this.heldOn !== null && this.connection.alive(this.heldOn);
  }

  async release(): Promise<void> {
    const wasHeld = this.held;
    this.heldOn = null;
    // Best effort: when the unlock fails the connection is broken, and the lock ended with it.
    if (wasHeld) await this.connection.query('select pg_advisory_unlock($1::bigint)', [this.key]).catch(() => {});
  }
}
