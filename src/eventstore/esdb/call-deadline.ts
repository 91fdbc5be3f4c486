/**
 * A deadline of our own around one call to EventStoreDB. Client 6.x gives reads and BatchAppend an infinite gRPC
 * deadline whatever the options say, so a node that accepts connections and never answers would hang them
 * forever. When the deadline passes, the read streams the call opened are cancelled and destroyed (cancelling
 * alone leaves the client's iterator waiting, and dispose() would then wait for it too) and the call fails with
 * CallDeadlineError, which the retry treats as transient. An append cannot be cancelled once sent: it is
 * abandoned (it may still commit — the retry with the same event ids and expected revision is then recognised
 * as already done).
 */
import { Readable } from 'node:stream';

/** What `track` accepts: the client's read streams. */
export interface CancellableRead {
  cancel(): Promise<void>;
  destroy(error?: Error): void;
  /** The gRPC call's stream is piped into the read (client 6.x ReadStream): 'unpipe' when the read goes away. */
  on(event: string | symbol, listener: (...args: unknown[]) => void): unknown;
}

export type TrackRead = <S extends CancellableRead>(read: S) => S;

/**
 * A read destroyed before its end (deadline, failure, a page filled early) unpipes the gRPC call's stream, which
 * pauses it. Cancelling ends a call still running, but one whose answer had arrived in full is only marked ended:
 * paused, it never emits 'end', the client keeps it among the streams `dispose()` waits for, and closing the store
 * hung (a test server's stop ran into the 60 s hook timeout). Read on to its end, with nobody listening.
 */
function drain(call: unknown): void {
  if (call instanceof Readable) call.resume();
}

export class CallDeadlineError extends Error {
  override readonly name = 'CallDeadlineError';
}

export async function withDeadline<T>(ms: number, what: string, call: (track: TrackRead) => Promise<T>): Promise<T> {
  const reads = new Set<CancellableRead>();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new CallDeadlineError(`EventStoreDB did not answer ${what} within ${ms} ms`);
      for (const read of reads) {
        void read.cancel().catch(() => {});
        read.destroy(error);
      }
      reject(error);
    }, ms);
  });
  const work = call((read) => {
    reads.add(read);
    read.on('unpipe', drain);
    return read;
  });
  // An abandoned call settles later (or never); its outcome is no longer anyone's business.
  work.catch(() => {});
  try {
    return await Promise.race([work, expired]);
  } catch (error) {
    // A read that failed (e.g. "Server Is Not Ready") must not linger in the client: dispose() would wait for it.
    for (const read of reads) read.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
