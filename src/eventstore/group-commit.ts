import { eventAppendSize } from './append-size.ts';
import type { AppendResult, EventToAppend, ExpectedRevision, StreamAppend, StreamAppendOutcome } from './port.ts';

/** How a group commit writes: one stream alone, or many in one transaction (each stream with its own outcome). */
export interface GroupCommitTarget {
  appendOne(append: StreamAppend): Promise<AppendResult>;
  appendMany(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;
}

export interface GroupCommitOptions {
  /** Streams per batch (each a subtransaction on Postgres). */
  maxStreams?: number;
  /** Approximate JSON bytes per batch; a single larger append still goes, alone. */
  maxBytes?: number;
  /** Batches in flight at once; appends wait (and gather) only while this many are. */
  maxInFlight?: number | undefined;
  /**
   * Whether a batch that failed as a whole failed because of what one append holds (a malformed value, a
   * constraint) rather than the connection: its appends then go again one by one, so only that caller fails.
   */
  isStatementError?: (error: unknown) => boolean;
  /**
   * When queued appends go: `microtask` (default) sends what one turn queued at the end of that turn; `next-turn`
   * waits for the event loop's check phase, so the I/O callbacks already waiting (other sockets' frames) queue
   * theirs first. For a store that runs in this thread (PGlite): a statement there executes on the event loop
   * itself, so no append is ever "in flight" while another caller runs, and microtask gathering would send every
   * append alone.
   */
  gather?: 'microtask' | 'next-turn';
}

interface Pending extends StreamAppend {
  /** Measured only when the append may share a batch: a lone append is never sized. */
  bytes?: number;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const DEFAULT_MAX_STREAMS = 500;
const DEFAULT_MAX_BYTES = 2 ** 20;
/**
 * More batches in flight let more appends go alone (no waiting for a batch to return) but give up sharing: each
 * append then costs its own transaction and WAL flush. One is the pure group commit (figures: bench/README.md,
 * "Group commit").
 */
const DEFAULT_MAX_IN_FLIGHT = 1;

/**
 * Group commit: concurrent single-stream appends from every caller share one multi-stream append (one transaction
 * and one WAL flush on Postgres instead of one per append). Natural batching, no timer: an append goes at once (in
 * a microtask, so appends made in the same turn share a batch; on PGlite at the loop's check phase, see `gather`)
 * while fewer than `maxInFlight` batches are in
 * flight; otherwise it waits and goes with everything else that queued meanwhile when one returns. Each caller gets
 * its own stream's outcome — a conflict on one stream fails only that caller — and only after its batch committed.
 * One stream's appends keep their order: a stream is in at most one batch in flight, and an append passed over
 * holds back its stream's later ones. A batch of one is `appendOne`.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Streams in a batch in flight: their next append waits for it. */
  private readonly busyStreams = new Set<string>();
  private readonly maxStreams: number;
  private readonly maxBytes: number;
  private readonly maxInFlight: number;
  private readonly isStatementError: (error: unknown) => boolean;
  private readonly defer: (run: () => void) => void;

  constructor(
    private readonly target: GroupCommitTarget,
    options: GroupCommitOptions = {},
  ) {
    this.maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.isStatementError = options.isStatementError ?? (() => false);
    this.defer = options.gather === 'next-turn' ? (run) => void setImmediate(run) : queueMicrotask;
  }

  append(stream: string, events: readonly EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    if (events.length === 0) return Promise.reject(new TypeError('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ stream, events, expectedRevision, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.defer(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight) {
      const batch = this.takeBatch();
      if (batch.length === 0) return;
      this.inFlight += 1;
      for (const pending of batch) this.busyStreams.add(pending.stream);
      void this.write(batch);
    }
  }

  /** The oldest appends that fit, one per stream, none of a busy stream; one passed over holds its stream back. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    const held = new Set<string>();
    let bytes = 0;
    for (const pending of this.queue) {
      const fits =
        !held.has(pending.stream) &&
        !this.busyStreams.has(pending.stream) &&
        batch.length < this.maxStreams &&
        (batch.length === 0 || (bytes ||= sizeOf(batch[0]!)) + sizeOf(pending) <= this.maxBytes);
      held.add(pending.stream);
      if (fits) {
        if (batch.length > 0) bytes += sizeOf(pending);
        batch.push(pending);
      } else {
        rest.push(pending);
      }
    }
    this.queue = rest;
    return batch;
  }

  private async write(batch: readonly Pending[]): Promise<void> {
    let outcomes: StreamAppendOutcome[] | null = null;
    let failure: unknown = null;
    try {
      outcomes = await this.send(batch);
    } catch (error) {
      // The whole call failed (store unreachable): every caller learns it; retrying with the same ids is safe.
      failure = error;
    }
    // Free the streams before the callers resume, so that their next appends can go in the next batch.
    this.inFlight -= 1;
    for (const pending of batch) this.busyStreams.delete(pending.stream);
    batch.forEach((pending, index) => {
      const outcome = outcomes?.[index];
      if (outcome === undefined) pending.reject(failure);
      else if (outcome instanceof Error) pending.reject(outcome);
      else pending.resolve(outcome);
    });
    if (this.queue.length > 0) this.schedule();
  }

  private async send(batch: readonly Pending[]): Promise<StreamAppendOutcome[]> {
    const appends = batch.map(({ stream, events, expectedRevision }) => ({ stream, events, expectedRevision }));
    if (appends.length === 1) return [await this.target.appendOne(appends[0]!).catch(toError)];
    try {
      return await this.target.appendMany(appends);
    } catch (error) {
      if (!this.isStatementError(error)) throw error;
      // The transaction rolled back: appending each alone tells the one caller whose append it was.
      return Promise.all(appends.map((append) => this.target.appendOne(append).catch(toError)));
    }
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * What an append weighs as the store counts it (`eventAppendSize`), measured once and only when it may share. An
 * append that cannot be encoded (a BigInt, a cycle) weighs Infinity: it then goes alone, where the store's own
 * encoding fails only its caller. Throwing here would throw out of the microtask that pumps the queue: an uncaught
 * exception for the process and a queue nobody pumps again.
 */
function sizeOf(pending: Pending): number {
  if (pending.bytes === undefined) {
    try {
      pending.bytes = pending.events.reduce((sum, event) => sum + eventAppendSize(event), 0);
    } catch {
      pending.bytes = Number.POSITIVE_INFINITY;
    }
  }
  return pending.bytes;
}
