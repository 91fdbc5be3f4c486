/**
 * State frames sent (or waiting to be sent) that the cloud has not acknowledged yet, oldest first. Each is
 * resent, byte for byte with its original request_id, after every reconnect until its ack arrives, so the
 * cloud can deduplicate by request_id.
 *
 * Bounded: when full, the OLDEST frame is evicted (its promise rejected, a warning emitted). Telemetry loses
 * value with age, and a newer state of a device supersedes an older one, so under a long outage keeping the
 * most recent reports is the better bargain than refusing new ones.
 */

export interface PendingStateFrame {
  requestId: string;
  /** The encoded frame, resent unchanged. */
  text: string;
  resolve: () => void;
  reject: (reason: Error) => void;
}

export class UnackedStateBuffer {
  // Map iteration follows insertion order, which is the order frames must be resent in.
  private readonly frames = new Map<string, PendingStateFrame>();

  constructor(private readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('Unacked buffer capacity must be ≥ 1');
  }

  get size(): number {
    return this.frames.size;
  }

  /** Adds a frame; returns the frame evicted to make room, if any. */
  add(frame: PendingStateFrame): PendingStateFrame | undefined {
    let evicted: PendingStateFrame | undefined;
    if (this.frames.size >= this.capacity) {
      const oldest = this.frames.values().next();
      if (!oldest.done) {
        evicted = oldest.value;
        this.frames.delete(evicted.requestId);
      }
    }
    this.frames.set(frame.requestId, frame);
    return evicted;
  }

  /** Removes and returns the frame an ack refers to (undefined for unknown or duplicate acks). */
  take(requestId: string): PendingStateFrame | undefined {
    const frame = this.frames.get(requestId);
    if (frame) this.frames.delete(requestId);
    return frame;
  }

  inSendOrder(): PendingStateFrame[] {
    return [...this.frames.values()];
  }

  takeAll(): PendingStateFrame[] {
    const all = this.inSendOrder();
    this.frames.clear();
    return all;
  }
}
