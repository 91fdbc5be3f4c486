// Test helper: frames are asserted field by field in the tests, so payloads are typed loosely (any).
import WebSocket from 'ws';

export interface ReceivedFrame {
  type: string;
  request_id?: string;
  timestamp?: number;
  payload: any;
}

/**
 * A raw gateway WebSocket for tests: frames are queued as they arrive and awaited by type, so tests never
 * sleep; the close code and reason are awaitable too.
 */
export class GatewaySocket {
  private readonly frames: ReceivedFrame[] = [];
  private readonly waiters: Array<{ type: string; resolve: (frame: ReceivedFrame) => void }> = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as ReceivedFrame;
      const index = this.waiters.findIndex((waiter) => waiter.type === frame.type);
      if (index >= 0) this.waiters.splice(index, 1)[0]!.resolve(frame);
      else this.frames.push(frame);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
  }

  /** Connects with `?gateway_id=&secret=` (query) or an `Authorization: Basic` header; rejects with the HTTP status. */
  static connect(
    baseUrl: string,
    credentials: { gatewayId: string; secret: string } | null,
    options: { auth?: 'query' | 'basic'; path?: string; headers?: Record<string, string> } = {},
  ): Promise<GatewaySocket> {
    const wsBase = baseUrl.replace(/^http/, 'ws');
    const path = options.path ?? '/bridge/';
    const headers: Record<string, string> = { ...options.headers };
    let url = `${wsBase}${path}`;
    if (credentials && (options.auth ?? 'query') === 'query') {
      url += `?gateway_id=${encodeURIComponent(credentials.gatewayId)}&secret=${encodeURIComponent(credentials.secret)}`;
    } else if (credentials) {
      headers.authorization = `Basic ${Buffer.from(`${credentials.gatewayId}:${credentials.secret}`).toString('base64')}`;
    }
    const ws = new WebSocket(url, { headers });
    const socket = new GatewaySocket(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(socket));
      ws.once('unexpected-response', (_request, response) => reject(new HandshakeRefused(response.statusCode ?? 0)));
      ws.once('error', reject);
    });
  }

  next(type: string, timeoutMs = 10_000): Promise<ReceivedFrame> {
    const index = this.frames.findIndex((frame) => frame.type === type);
    if (index >= 0) return Promise.resolve(this.frames.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({
        type,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      });
    });
  }

  /** Whether a frame of `type` arrived and nobody took it yet (after `closed`, every frame that came is here). */
  hasReceived(type: string): boolean {
    return this.frames.some((frame) => frame.type === type);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  close(): void {
    this.ws.close(1000, 'bye');
  }
}

export class HandshakeRefused extends Error {
  constructor(readonly status: number) {
    super(`handshake refused with HTTP ${status}`);
  }
}
