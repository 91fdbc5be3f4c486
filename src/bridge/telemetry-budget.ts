/**
 * A session's budget of stored telemetry bytes (state and sync frames, counted as the frame's UTF-8 size): a
 * token bucket holding one minute's allowance, refilled continuously. The frame rate limit alone let one gateway
 * grow the log by 37 MB in 5 s with 50 frames a second near the frame-size limit.
 *
 * Over budget, frames are refused (`telemetry_budget_exceeded`, retry later) but the session stays; a gateway
 * still over budget `graceMs` after its first refused frame has not slowed down and the session is closed.
 */
export type BudgetVerdict = 'within' | 'over' | 'over_too_long';

export class TelemetryBudget {
  private available: number;
  private refilledAt: number;
  private overSince: number | null = null;
  private readonly capacity: number;
  private readonly refillPerMs: number;

  constructor(
    bytesPerMinute: number,
    /** A frame as large as the frame-size limit must always fit a full bucket. */
    largestFrameBytes: number,
    private readonly graceMs = 1000,
    private readonly now: () => number = Date.now,
  ) {
    this.capacity = Math.max(bytesPerMinute, largestFrameBytes);
    this.available = this.capacity;
    this.refilledAt = this.now();
    this.refillPerMs = bytesPerMinute / 60_000;
  }

  /** Takes `bytes` from the budget when it holds them; otherwise takes nothing and says how long it has been over. */
  spend(bytes: number): BudgetVerdict {
    const now = this.now();
    this.available = Math.min(this.capacity, this.available + (now - this.refilledAt) * this.refillPerMs);
    this.refilledAt = now;
    if (bytes <= this.available) {
      this.available -= bytes;
      this.overSince = null;
      return 'within';
    }
    this.overSince ??= now;
    return now - this.overSince >= this.graceMs ? 'over_too_long' : 'over';
  }
}
