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
 * Frames per second of one session, counted in one-second windows. A burst over the limit is dropped with one
 * warning; a gateway that stays over it for more than `graceWindows` consecutive seconds is closed.
 */
export class FrameRateLimiter {
  private windowStart: number;
  private framesInWindow = 0;
  private windowsOverLimit = 0;

  constructor(
    private readonly maxFramesPerSecond: number,
    private readonly graceWindows: number,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  admit(): FrameAdmission {
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowsOverLimit = this.framesInWindow > this.maxFramesPerSecond ? this.windowsOverLimit + 1 : 0;
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    this.framesInWindow += 1;
    if (this.framesInWindow <= this.maxFramesPerSecond) return 'admit';
    if (this.framesInWindow !== this.maxFramesPerSecond + 1) return 'drop';
    return this.windowsOverLimit >= this.graceWindows ? 'close' : 'drop_and_warn';
  }
}
