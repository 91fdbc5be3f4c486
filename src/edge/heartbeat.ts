/**
 * Pings at the cadence the cloud asked for in `welcome`, and notices when pongs stop coming: a half-open TCP
 * connection (NAT timeout, dead Wi-Fi) never reports a close, so silence is the only signal.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private pingsWithoutPong = 0;

  constructor(
    private readonly intervalMs: number,
    /** After this many pings in a row go unanswered, the connection is declared dead. */
    private readonly maxUnansweredPings: number,
    private readonly sendPing: () => void,
    private readonly onSilence: () => void,
  ) {}

  start(): void {
    this.stop();
    this.pingsWithoutPong = 0;
    this.timer = setInterval(() => this.tick(), this.intervalMs);
  }

  pongReceived(): void {
    this.pingsWithoutPong = 0;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    if (this.pingsWithoutPong >= this.maxUnansweredPings) {
      this.stop();
      this.onSilence();
      return;
    }
    this.pingsWithoutPong += 1;
    this.sendPing();
  }
}
