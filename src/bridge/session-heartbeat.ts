import type { WebSocket } from 'ws';

/**
 * A session's two clocks: silence from the gateway longer than the timeout ends the session, and WebSocket-level
 * pings keep NATs and proxies from dropping an idle connection. Those pings' pongs do not count as frames: the
 * timeout is about the gateway's own frames (it must ping).
 */
export class SessionHeartbeat {
  private silence: NodeJS.Timeout | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly intervalS: number,
    private readonly timeoutS: number,
    private readonly onSilence: () => void,
  ) {}

  /** The session is greeted: the silence clock runs from now, and the pings start. */
  start(): void {
    this.frameReceived();
    this.pinger = setInterval(() => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    }, this.intervalS * 1000);
    this.pinger.unref();
  }

  /** A frame from the gateway: the silence clock starts over. */
  frameReceived(): void {
    if (this.stopped) return;
    if (this.silence) clearTimeout(this.silence);
    this.silence = setTimeout(this.onSilence, this.timeoutS * 1000);
    this.silence.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.silence) clearTimeout(this.silence);
    if (this.pinger) clearInterval(this.pinger);
  }
}
