/**
 * Counts a session's refused frames (invalid, out of bounds, unstorable, or failed to store) over a sliding
 * window. A gateway that keeps sending such frames is broken or hostile; past the limit its session is closed
 * (4400 `refused_frames`) instead of being answered one error frame at a time forever.
 */
export class RefusedFrameWindow {
  private readonly refusedAt: number[] = [];

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one refusal; true when `limit` refusals fell inside the window (the session should close). */
  refuse(): boolean {
    const now = this.now();
    this.refusedAt.push(now);
    while (this.refusedAt.length > 0 && this.refusedAt[0]! <= now - this.windowMs) this.refusedAt.shift();
    // Never holds more than `limit` times: the oldest beyond it can no longer matter.
    if (this.refusedAt.length > this.limit) this.refusedAt.shift();
    return this.refusedAt.length >= this.limit;
  }
}
