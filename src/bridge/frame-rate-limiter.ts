/** What the limiter says about one more frame. */
export type FrameAdmission =
  /** Within the limit: handle it. */
  | 'admit'
  /** The first frame over the limit in this second: drop it and tell the gateway once. */
  | 'drop_and_warn'
  /** Over the limit again in this second: drop it silently. */
  | 'drop'
  /** Over the limit for longer than the grace allows: close the session. */
  | 'close';

/**
 * Frames the cloud may owe admission to at once: each command it sends earns the gateway frames over the limit
 * (its ack, and the state report its effect causes). Capped so that commands whose acks never come cannot build a budget for a flood; at the cap a
 * reconnect's queue (REMOTE_COMMAND_QUEUE_LIMIT, 100 by default) still fits five times over.
 */
export const MAX_REPLY_CREDIT = 1000;

/** Frames a gateway sends in answer to one command: the ack, and the state report of the device it changed. */
export const COMMAND_REPLY_FRAMES = 2;

/**
 * Frames per second of one session, counted in one-second windows. A burst over the limit is dropped with one
 * warning; a gateway that stays over it for more than `graceWindows` consecutive seconds is closed.
 *
 * Frames the cloud asked for are not the gateway's to ration: what it sends a gateway (`expectReplies`) lets the
 * frames that answer it through over the limit, uncounted, so a burst of acks — a gateway working through its queue after a reconnect,
 * or a client sending commands faster than the limit — is recorded, not dropped into a 504 for commands the
 * gateway ran. The limiter counts before the frame is parsed (that is what it protects), so it cannot tell an
 * ack from another frame: a credited frame may be any frame, which changes nothing since the credit is spent.
 */
export class FrameRateLimiter {
  private windowStart: number;
  private framesInWindow = 0;
  private windowsOverLimit = 0;
  private replyCredit = 0;

  constructor(
    private readonly maxFramesPerSecond: number,
    private readonly graceWindows: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  /** The cloud sent a frame the gateway answers with `frames` frames: they may pass over the limit. */
  expectReplies(frames: number): void {
    this.replyCredit = Math.min(MAX_REPLY_CREDIT, this.replyCredit + frames);
  }

  admit(): FrameAdmission {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowsOverLimit = this.framesInWindow > this.maxFramesPerSecond ? this.windowsOverLimit + 1 : 0;
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    if (this.framesInWindow >= this.maxFramesPerSecond && this.replyCredit > 0) {
      this.replyCredit -= 1;
      return 'admit';
    }
    this.framesInWindow += 1;
    if (this.framesInWindow <= this.maxFramesPerSecond) return 'admit';
    if (this.framesInWindow !== this.maxFramesPerSecond + 1) return 'drop';
    return this.windowsOverLimit >= this.graceWindows ? 'close' : 'drop_and_warn';
  }
}
