import WebSocket, { type RawData } from 'ws';
import { fullJitterDelayMs } from './backoff.ts';
import type { StopReason } from './edge-client-events.ts';
import type { ResolvedEdgeClientOptions } from './edge-client-options.ts';
import { cloudUrls, gatewayConnectionTarget } from './gateway-connection-target.ts';

/** A cloud that never answers our close handshake must not hold up shutdown. */
const CLOSE_HANDSHAKE_TIMEOUT_MS = 2_000;

/** What the socket tells its owner. Each call concerns the current socket only (stale sockets are ignored). */
export interface ReconnectingSocketHandlers {
  /** A new attempt begins (1 for the first after start or after a session), to this cloud URL. */
  connecting(attempt: number, url: string): void;
  opened(socket: WebSocket): void;
  message(socket: WebSocket, data: RawData): void;
  /** A transport error, or a refused upgrade (its HTTP status in the message); the secret may appear in it. */
  error(message: string): void;
  /** The socket closed; `reconnectInMs` is null when no attempt follows (`stopped` is called next). */
  closed(code: number, reason: string, reconnectInMs: number | null): void;
  stopped(reason: StopReason, closeCode: number | null, httpStatus: number | null): void;
}

/**
 * One WebSocket to the cloud bridge, reopened with jittered backoff after every close until `close()` — or until
 * the cloud refuses the credentials (a close code or HTTP status that retrying cannot heal). With several cloud
 * URLs, every close (a refused connection, a drop, a node shutting down) moves to the next one, round-robin: a
 * node that is gone is not retried before the others, and the backoff is the same as with one URL.
 */
export class ReconnectingSocket {
  private socket: WebSocket | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** Failed attempts since the last session began; drives the backoff exponent. */
  private failedAttempts = 0;
  /** HTTP status of a refused upgrade on the current attempt (401 instead of a 4401 close). */
  private handshakeHttpStatus: number | null = null;
  private stopRequested = false;
  private closeWaiters: Array<() => void> = [];
  /** Null when the URLs are malformed (reported at the first attempt, which then stops). */
  private readonly urls: string[] | null;
  private urlIndex = 0;

  constructor(
    private readonly options: ResolvedEdgeClientOptions,
    private readonly handlers: ReconnectingSocketHandlers,
  ) {
    try {
      this.urls = cloudUrls(options.url);
    } catch {
      this.urls = null;
    }
  }

  /** The open (or opening) socket, null between attempts and once stopped. */
  get current(): WebSocket | null {
    return this.socket;
  }

  start(): void {
    this.stopRequested = false;
    this.failedAttempts = 0;
    this.open();
  }

  /** The cloud greeted us: the next failure starts the backoff over. */
  sessionBegan(): void {
    this.failedAttempts = 0;
  }

  /** Closes the socket (code 1000) and stops reopening it; resolves once `stopped` was reported. */
  close(): Promise<void> {
    this.stopRequested = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const socket = this.socket;
    if (!socket) {
      this.stop('closed_by_client', null, null);
      return Promise.resolve();
    }
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (socket.readyState === WebSocket.CONNECTING) {
      socket.terminate();
    } else {
      socket.close(1000, 'gateway closing');
      setTimeout(() => socket.terminate(), CLOSE_HANDSHAKE_TIMEOUT_MS).unref();
    }
    return closed;
  }

  private open(): void {
    this.reconnectTimer = null;
    const url = this.urls?.[this.urlIndex % this.urls.length] ?? String(this.options.url);
    this.handlers.connecting(this.failedAttempts + 1, url);
    let socket: WebSocket;
    try {
      if (!this.urls) throw new TypeError(`Invalid cloud URL: ${String(this.options.url)}`);
      const target = gatewayConnectionTarget({ ...this.options, url });
      socket = new WebSocket(target.url, {
        headers: target.headers,
        handshakeTimeout: this.options.handshakeTimeoutMs,
        maxPayload: this.options.maxFrameBytes,
      });
    } catch (cause) {
      // A malformed URL will not get better by retrying.
      this.handlers.error(cause instanceof Error ? cause.message : String(cause));
      this.stop('invalid_configuration', null, null);
      return;
    }
    this.socket = socket;
    this.handshakeHttpStatus = null;
    this.listen(socket);
  }

  private listen(socket: WebSocket): void {
    socket.on('unexpected-response', (_request, response) => {
      if (socket !== this.socket) return;
      this.handshakeHttpStatus = response.statusCode ?? null;
      response.resume();
      socket.terminate();
    });
    socket.on('open', () => {
      if (socket === this.socket) this.handlers.opened(socket);
    });
    socket.on('message', (data) => {
      if (socket === this.socket) this.handlers.message(socket, data);
    });
    socket.on('error', (error) => {
      if (socket !== this.socket) return;
      this.handlers.error(
        this.handshakeHttpStatus === null
          ? error.message
          : `The cloud refused the upgrade with HTTP ${this.handshakeHttpStatus}`,
      );
    });
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString('utf8')));
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    const httpStatus = this.handshakeHttpStatus;
    const credentialsRefused =
      this.options.stopOnCloseCodes.includes(code) ||
      (httpStatus !== null && this.options.stopOnHttpStatuses.includes(httpStatus));
    if (this.stopRequested || credentialsRefused) {
      this.handlers.closed(code, reason, null);
      this.stop(this.stopRequested ? 'closed_by_client' : 'credentials_refused', code, httpStatus);
      return;
    }
    const delay = fullJitterDelayMs(this.failedAttempts, this.options.reconnect, this.options.random);
    this.failedAttempts += 1;
    this.urlIndex = (this.urlIndex + 1) % (this.urls?.length ?? 1);
    this.handlers.closed(code, reason, delay);
    this.reconnectTimer = setTimeout(() => this.open(), delay);
  }

  private stop(reason: StopReason, closeCode: number | null, httpStatus: number | null): void {
    this.handlers.stopped(reason, closeCode, httpStatus);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
