interface Waiting<Row> {
  resolve: (row: Row | undefined) => void;
  reject: (error: unknown) => void;
}

/**
 * Ids per statement at most: a storm of 20,000 reconnecting gateways queues that many reads behind the first, and
 * PostgreSQL refuses a statement with more than 65,535 parameters (every waiter of it failed). Big enough that a
 * statement costs far less than its rows' round trips would.
 */
const MAX_IDS_PER_READ = 1000;

/**
 * Reads of one row by id that share a statement: a read goes at once when none is in flight, and the reads asked
 * for meanwhile go together in the next one (`readMany`, e.g. `where id in (…)`) when it returns. A reconnect storm
 * after the key cache let the gateways' keys go makes a few reads instead of one per gateway; a lone read waits for
 * nothing.
 */
export class BatchedReads<Row> {
  private queued = new Map<string, Array<Waiting<Row>>>();
  private reading = false;

  constructor(private readonly readMany: (ids: readonly string[]) => Promise<ReadonlyMap<string, Row>>) {}

  /** The row of `id`, undefined when there is none. */
  read(id: string): Promise<Row | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.queued.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.queued.set(id, [{ resolve, reject }]);
      if (!this.reading) void this.readQueued();
    });
  }

  private async readQueued(): Promise<void> {
    this.reading = true;
    try {
      while (this.queued.size > 0) {
        const batch = this.takeBatch();
        try {
          const rows = await this.readMany([...batch.keys()]);
          for (const [id, waiting] of batch) for (const { resolve } of waiting) resolve(rows.get(id));
        } catch (error) {
          for (const waiting of batch.values()) for (const { reject } of waiting) reject(error);
        }
      }
    } finally {
      this.reading = false;
    }
  }

  /** The oldest queued ids, at most MAX_IDS_PER_READ of them (a Map keeps the order they were asked in). */
  private takeBatch(): Map<string, Array<Waiting<Row>>> {
    if (this.queued.size <= MAX_IDS_PER_READ) {
      const all = this.queued;
      this.queued = new Map();
      return all;
    }
    const batch = new Map<string, Array<Waiting<Row>>>();
    for (const [id, waiting] of this.queued) {
      if (batch.size === MAX_IDS_PER_READ) break;
      batch.set(id, waiting);
      this.queued.delete(id);
    }
    return batch;
  }
}
