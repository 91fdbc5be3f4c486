import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  buildAck,
  buildPong,
  buildWelcome,
  encodeFrame,
  parseInboundFrame,
  type InboundFrame,
  type WireOutboundFrame,
} from '../../src/bridge/protocol/index.ts';

/**
 * A tiny in-test cloud: a real `ws` server speaking the bridge protocol through the protocol builders, with
 * switches for what it does automatically. Tests await frames and connections instead of sleeping.
 */

export type Authorization =
  | { accept: true }
  | { accept: false; closeCode: number; reason: string } // upgrade, then close (how our bridge refuses)
  | { accept: false; httpStatus: number }; // refuse the upgrade itself

export interface FakeCloudOptions {
  heartbeatIntervalS?: number;
  autoWelcome?: boolean;
  autoPong?: boolean;
  autoAckState?: boolean;
  autoAckSync?: boolean;
  authorize?: (request: IncomingMessage) => Authorization;
}

export interface ReceivedFrame<F extends InboundFrame = InboundFrame> {
  frame: F;
  /** The JSON as sent, to check dialect details the normalised frame hides. */
  raw: Record<string, unknown>;
  text: string;
}

type Waiter = { type: InboundFrame['type']; resolve: (received: ReceivedFrame) => void };

export class FakeCloudConnection {
  readonly received: ReceivedFrame[] = [];
  private readonly unconsumed: ReceivedFrame[] = [];
  private readonly waiters: Waiter[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly socket: WebSocket,
    readonly request: IncomingMessage,
    private readonly options: Required<Omit<FakeCloudOptions, 'authorize'>>,
    readonly sessionId: string,
  ) {
    this.closed = new Promise((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })),
    );
    socket.on('message', (data) => this.onMessage(String(data)));
    if (options.autoWelcome) this.welcome();
  }

  welcome(heartbeatIntervalS = this.options.heartbeatIntervalS): void {
    this.send(
      buildWelcome({
        requestId: `welcome-${this.sessionId}`,
        timestamp: nowSeconds(),
        sessionId: this.sessionId,
        heartbeatIntervalS,
      }),
    );
  }

  send(frame: WireOutboundFrame): void {
    this.socket.send(encodeFrame(frame));
  }

  ack(requestId: string, outcome?: Parameters<typeof buildAck>[0]['outcome']): void {
    this.send(buildAck({ requestId, timestamp: nowSeconds(), ...(outcome ? { outcome } : {}) }));
  }

  /** The next frame of this type not yet returned by an earlier call (waits if none arrived yet). */
  nextFrame<T extends InboundFrame['type']>(type: T): Promise<ReceivedFrame<Extract<InboundFrame, { type: T }>>> {
    const index = this.unconsumed.findIndex((received) => received.frame.type === type);
    if (index >= 0) {
      const [received] = this.unconsumed.splice(index, 1);
      return Promise.resolve(received as ReceivedFrame<Extract<InboundFrame, { type: T }>>);
    }
    return new Promise((resolve) => this.waiters.push({ type, resolve: resolve as (received: ReceivedFrame) => void }));
  }

  private onMessage(text: string): void {
    const parsed = parseInboundFrame(text);
    if (!parsed.ok) throw new Error(`The edge client sent an invalid frame: ${JSON.stringify(parsed.error)}`);
    const received: ReceivedFrame = { frame: parsed.frame, raw: JSON.parse(text) as Record<string, unknown>, text };
    this.received.push(received);
    this.respondAutomatically(parsed.frame);
    const waiterIndex = this.waiters.findIndex((waiter) => waiter.type === parsed.frame.type);
    if (waiterIndex >= 0) {
      const [waiter] = this.waiters.splice(waiterIndex, 1);
      waiter?.resolve(received);
    } else {
      this.unconsumed.push(received);
    }
  }

  private respondAutomatically(frame: InboundFrame): void {
    if (frame.type === 'ping' && this.options.autoPong) {
      this.send(buildPong({ requestId: frame.request_id, timestamp: nowSeconds() }));
    } else if (frame.type === 'state' && this.options.autoAckState) {
      this.ack(frame.request_id);
    } else if (frame.type === 'sync' && this.options.autoAckSync) {
      this.ack(frame.request_id);
    }
  }
}

export class FakeCloud {
  readonly connections: FakeCloudConnection[] = [];
  /** Every upgrade request, accepted or not. */
  readonly requests: IncomingMessage[] = [];
  private readonly pendingConnections: FakeCloudConnection[] = [];
  private readonly connectionWaiters: Array<(connection: FakeCloudConnection) => void> = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly options: Required<Omit<FakeCloudOptions, 'authorize'>>;
  private readonly port: number;
  private stopped = false;

  private constructor(
    private readonly http: Server,
    options: FakeCloudOptions,
    private readonly authorize: (request: IncomingMessage) => Authorization,
  ) {
    this.options = {
      heartbeatIntervalS: 60,
      autoWelcome: true,
      autoPong: true,
      autoAckState: true,
      autoAckSync: true,
      ...options,
    };
    this.port = (http.address() as AddressInfo).port;
    http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) =>
      this.onUpgrade(request, socket, head),
    );
  }

  static async start(options: FakeCloudOptions = {}): Promise<FakeCloud> {
    const http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return new FakeCloud(http, options, options.authorize ?? (() => ({ accept: true })));
  }

  /** Stays valid after stop(), so a test can aim a client at a cloud that is down. */
  get url(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  nextConnection(): Promise<FakeCloudConnection> {
    const ready = this.pendingConnections.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.requests.push(request);
    const decision = this.authorize(request);
    if (!decision.accept && 'httpStatus' in decision) {
      socket.end(`HTTP/1.1 ${decision.httpStatus} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      if (!decision.accept) {
        ws.close(decision.closeCode, decision.reason);
        return;
      }
      const connection = new FakeCloudConnection(ws, request, this.options, `session-${this.connections.length + 1}`);
      this.connections.push(connection);
      const waiter = this.connectionWaiters.shift();
      if (waiter) waiter(connection);
      else this.pendingConnections.push(connection);
    });
  }
}

export function nowSeconds(): number {
  return Date.now() / 1000;
}
