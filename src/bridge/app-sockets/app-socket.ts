import type { WebSocket } from 'ws';
import { z } from 'zod';
import { findJsonBoundsProblem } from '../../domain/values/json-bounds.ts';

/** Close codes of the app's live socket: 4xxx mirror HTTP statuses, as on the gateway bridge. */
export const APP_CLOSE = {
  shutdown: 1001,
  policy: 1008,
  tooLarge: 1009,
  serverError: 1011,
  /** The access token expired, or the user's session ended (logout, token theft, password change): sign in again. */
  unauthorized: 4401,
  /** The caller lost the right to view the home. */
  forbidden: 4403,
  /** The path's home is not one the caller can be resolved to: use the cloud home id. */
  homeNotFound: 4404,
  /** Too many frames from the app, or it does not read what it is sent. */
  tooMany: 4429,
} as const;

export interface AppSocketSettings {
  /** Largest frame the app may send (it sends pings and small requests). */
  maxFrameBytes: number;
  /** Frames per second the app may send before the socket is closed. */
  maxFramesPerSecond: number;
  /** Unsent bytes queued for a socket that does not read before it is closed. */
  maxBufferedBytes: number;
  /** WebSocket pings keep NATs open; a socket that answered none since the previous one is dropped. */
  pingIntervalMs: number;
}

export const DEFAULT_APP_SOCKET_SETTINGS: AppSocketSettings = {
  maxFrameBytes: 4096,
  maxFramesPerSecond: 20,
  maxBufferedBytes: 1024 * 1024,
  pingIntervalMs: 30_000,
};

/** What the app may send: `{type, request_id?}` (ping, or the original's proxy requests, which we do not serve). */
const appFrame = z.object({
  type: z.string().min(1).max(64),
  request_id: z.union([z.string().max(128), z.number()]).optional(),
});

/** One app connection: what it may send (bounded), what it is sent (bounded by back-pressure), and its end. */
export class AppSocket {
  private framesInWindow = 0;
  private windowStart = Date.now();
  private alive = true;
  private readonly pinger: NodeJS.Timeout;
  private readonly expiry: NodeJS.Timeout;
  readonly closed: Promise<void>;

  constructor(
    private readonly socket: WebSocket,
    readonly userId: string,
    readonly homeId: string,
    tokenExpiresAtMs: number,
    private readonly settings: AppSocketSettings,
  ) {
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    socket.on('pong', () => (this.alive = true));
    socket.on('error', () => socket.terminate());
    this.pinger = setInterval(() => this.ping(), settings.pingIntervalMs);
    this.pinger.unref();
    // Access tokens are stateless: the socket lives no longer than the token it was opened with (REST neither).
    this.expiry = setTimeout(
      () => this.close(APP_CLOSE.unauthorized, 'access token expired; reconnect with a new one'),
      Math.max(0, tokenExpiresAtMs - Date.now()),
    );
    this.expiry.unref();
    void this.closed.then(() => {
      clearInterval(this.pinger);
      clearTimeout(this.expiry);
    });
  }

  get isOpen(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /** Sends a frame, or drops the socket when the app does not read (its queue would grow without bound). */
  send(frame: Record<string, unknown>): void {
    if (!this.isOpen) return;
    if (this.socket.bufferedAmount > this.settings.maxBufferedBytes) {
      this.close(APP_CLOSE.tooMany, 'not reading; reconnect');
      return;
    }
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
  }

  private ping(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    if (this.isOpen) this.socket.ping();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    if (this.overRate())
      return this.close(APP_CLOSE.tooMany, `more than ${this.settings.maxFramesPerSecond} frames per second`);
    if (data.length > this.settings.maxFrameBytes)
      return this.close(APP_CLOSE.tooLarge, `frames are at most ${this.settings.maxFrameBytes} bytes`);
    const frame = isBinary ? null : parseFrame(data.toString('utf8'));
    if (!frame) return this.send({ type: 'error', message: 'Send JSON text frames {"type": …}' });
    const requestId = frame.request_id === undefined ? {} : { request_id: frame.request_id };
    if (frame.type === 'ping') return this.send({ type: 'pong', ...requestId, timestamp: new Date().toISOString() });
    // The original proxied get_devices/control_entity to the edge here; we serve those over REST, with rights checks.
    this.send({
      type: 'error',
      ...requestId,
      message: `${frame.type} is not served on this socket; use the REST API (/api/homes/{home}/devices/, /api/remote/…)`,
    });
  }

  private overRate(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    return ++this.framesInWindow > this.settings.maxFramesPerSecond;
  }
}

function parseFrame(text: string): z.infer<typeof appFrame> | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (findJsonBoundsProblem(value, { maxDepth: 8, maxNodes: 200, maxStringLength: 1024 })) return null;
  const parsed = appFrame.safeParse(value);
  return parsed.success ? parsed.data : null;
}
