/**
 * A clock tests move forward instead of sleeping (pass `now` as the server's `clock` option). `stopped` makes one
 * that stands still at an instant until moved: what a test then checks cannot depend on how long the machine took.
 */
export class MovableClock {
  private offsetMs = 0;

  constructor(private readonly stoppedAt: Date | null = null) {}

  static stopped(at: Date): MovableClock {
    return new MovableClock(at);
  }

  readonly now = (): Date => new Date((this.stoppedAt?.getTime() ?? Date.now()) + this.offsetMs);

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}
