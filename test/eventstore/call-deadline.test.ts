import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { CallDeadlineError, withDeadline } from '../../src/eventstore/esdb/call-deadline.ts';

/**
 * The client's reads are a stream of its own fed by the gRPC call through a pipe (client 6.x ReadStream), and
 * `dispose()` waits until every call's stream has ended. A call that completes after its read was abandoned must
 * still end: left paused, it never does, and closing the store (a server's stop) waits forever.
 */
function clientRead() {
  const call = new Readable({ objectMode: true, read() {} });
  const read = Object.assign(new PassThrough({ objectMode: true }), { cancel: async () => {} });
  read.on('error', () => {}); // the adapter's iterator listens; the error itself is not what this spec checks
  let ended = false;
  call.on('end', () => (ended = true));
  /** The server's whole answer: an event, then the OK status (which cancelling can no longer change). */
  const answer = () => {
    call.push({ event: 1 });
    call.push(null);
  };
  return { call, read, answer, ended: () => ended };
}

const never = () => new Promise<never>(() => {});

describe('withDeadline', () => {
  it('a call answered after its read passed the deadline still ends', async () => {
    const { call, read, answer, ended } = clientRead();
    const attempt = withDeadline(10, 'a read', async (track) => {
      call.pipe(track(read));
      return never();
    });
    await expect(attempt).rejects.toThrow(CallDeadlineError);
    answer();
    await vi.waitFor(() => expect(ended()).toBe(true), { timeout: 2000 });
  });

  it('a read that fails leaves no call behind', async () => {
    const { call, read, answer, ended } = clientRead();
    const attempt = withDeadline(10_000, 'a read', async (track) => {
      call.pipe(track(read));
      await new Promise((resolve) => setImmediate(resolve));
      throw new Error('Server Is Not Ready');
    });
    await expect(attempt).rejects.toThrow('Server Is Not Ready');
    answer();
    await vi.waitFor(() => expect(ended()).toBe(true), { timeout: 2000 });
  });
});
