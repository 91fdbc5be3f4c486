import { Subject, filter, type Observable } from 'rxjs';
import WebSocket, { type RawData } from 'ws';
import {
  buildPing,
  buildStateFrame,
  buildSyncFrame,
  encodeFrame,
  encodedFrameBytes,
  parseOutboundFrame,
  type AckFrame,
  type DeviceStateInput,
  type ErrorFrame,
  type WelcomeFrame,
} from '../bridge/protocol/index.ts';
import type {
  EdgeClientErrorSource,
  EdgeClientEvent,
  EdgeClientEventOf,
  EdgeClientStatus,
  StopReason,
} from './edge-client-events.ts';
import {
  resolveEdgeClientOptions,
  type EdgeClientOptions,
  type ResolvedEdgeClientOptions,
} from './edge-client-options.ts';
import { EdgeCommandRunner } from './edge-command-runner.ts';
import {
  EdgeClientStoppedError,
  FrameRejectedError,
  FrameTooLargeError,
  StateReportDroppedError,
} from './edge-errors.ts';
import { Heartbeat } from './heartbeat.ts';
import { ReconnectingSocket } from './reconnecting-socket.ts';
import { SyncTracker } from './sync-tracker.ts';
import { UnackedStateBuffer } from './unacked-state-buffer.ts';

/**
 * The edge gateway's connection to the cloud bridge. Keeps one WebSocket up (reconnecting-socket.ts: jittered
 * backoff until `close()`), heartbeats at the cadence the cloud's `welcome` asks for, sends a full `sync` on
 * every connect, delivers state reports durably (resent after reconnects until acked) and runs the cloud's
 * commands (edge-command-runner.ts), acking each in the configured dialect.
 *
 * Nothing happens until `start()`, so subscribers can attach to the observables first.
 */
export class EdgeClient {
  private readonly options: ResolvedEdgeClientOptions;
  private readonly eventSubject = new Subject<EdgeClientEvent>();
  private readonly unacked: UnackedStateBuffer;
  private readonly syncs = new SyncTracker();
  private readonly commands: EdgeCommandRunner;
  private readonly connection: ReconnectingSocket;

  private currentStatus: EdgeClientStatus = 'idle';
  private currentSessionId: string | null = null;
  private heartbeat: Heartbeat | null = null;
  private welcomeTimer: NodeJS.Timeout | null = null;

  /** Every event, in order. */
  readonly events$: Observable<EdgeClientEvent>;
  readonly connected$: Observable<EdgeClientEventOf<'connected'>>;
  readonly disconnected$: Observable<EdgeClientEventOf<'disconnected'>>;
  readonly stopped$: Observable<EdgeClientEventOf<'stopped'>>;
  readonly errors$: Observable<EdgeClientEventOf<'error'>>;
  readonly warnings$: Observable<EdgeClientEventOf<'warning'>>;

  constructor(options: EdgeClientOptions) {
    this.options = resolveEdgeClientOptions(options);
    this.unacked = new UnackedStateBuffer(this.options.maxUnackedStateFrames);
    this.commands = new EdgeCommandRunner(
      this.options,
      (text) => this.sendIfReady(text),
      (message) => this.emitError('command_handler', message),
    );
    this.connection = new ReconnectingSocket(this.options, {
      connecting: (attempt, url) => {
        this.setStatus('connecting');
        this.emit({ type: 'connecting', attempt, url });
      },
      opened: (socket) => this.onOpen(socket),
      message: (socket, data) => this.onMessage(socket, data),
      error: (message) => this.emitError('socket', message),
      closed: (code, reason, reconnectInMs) => this.onClose(code, reason, reconnectInMs),
      stopped: (reason, closeCode, httpStatus) => this.stop(reason, closeCode, httpStatus),
    });
    this.events$ = this.eventSubject.asObservable();
    this.connected$ = this.eventsOfType('connected');
    this.disconnected$ = this.eventsOfType('disconnected');
    this.stopped$ = this.eventsOfType('stopped');
    this.errors$ = this.eventsOfType('error');
    this.warnings$ = this.eventsOfType('warning');
  }

  eventsOfType<T extends EdgeClientEvent['type']>(type: T): Observable<EdgeClientEventOf<T>> {
    return this.events$.pipe(filter((event): event is EdgeClientEventOf<T> => event.type === type));
  }

  get status(): EdgeClientStatus {
    return this.currentStatus;
  }

  /** The cloud's session id while welcomed, else null. */
  get sessionId(): string | null {
    return this.currentSessionId;
  }

  get unackedStateFrames(): number {
    return this.unacked.size;
  }

  /** Connects, and keeps reconnecting until `close()`. Calling it again while running does nothing. */
  start(): void {
    if (this.currentStatus !== 'idle' && this.currentStatus !== 'stopped') return;
    this.connection.start();
  }

  /**
   * Closes the connection (code 1000) and stops reconnecting. Unacked state reports and pending syncs are
   * rejected with EdgeClientStoppedError: a caller that must not lose them persists them itself.
   */
  close(): Promise<void> {
    if (this.currentStatus === 'stopped') return Promise.resolve();
    return this.connection.close();
  }

  /**
   * Sends one `state` frame with these devices' states. The promise resolves when the cloud acks it (it is
   * stored); until then the frame is kept and resent after every reconnect. It rejects with
   * StateReportDroppedError (evicted from a full buffer), FrameRejectedError (the cloud refused it),
   * FrameTooLargeError, or EdgeClientStoppedError. Callers that fire and forget must still attach a
   * `catch`, or Node reports an unhandled rejection.
   */
  reportState(devices: DeviceStateInput | readonly DeviceStateInput[]): Promise<void> {
    if (this.currentStatus === 'stopped')
      return Promise.reject(new EdgeClientStoppedError('The edge client is stopped'));
    const list: readonly DeviceStateInput[] = isDeviceList(devices) ? devices : [devices];
    if (list.length === 0) return Promise.resolve();
    const requestId = this.options.newRequestId();
    const text = encodeFrame(
      buildStateFrame({ dialect: this.options.dialect, requestId, timestamp: this.nowSeconds(), devices: list }),
    );
    const bytes = encodedFrameBytes(text);
    if (bytes > this.options.maxFrameBytes)
      return Promise.reject(new FrameTooLargeError(bytes, this.options.maxFrameBytes));

    return new Promise<void>((resolve, reject) => {
      const evicted = this.unacked.add({ requestId, text, resolve, reject });
      if (evicted) {
        evicted.reject(new StateReportDroppedError(evicted.requestId));
        this.emit({
          type: 'warning',
          kind: 'unacked_buffer_overflow',
          message: `Unacked buffer full (${this.options.maxUnackedStateFrames}); dropped the oldest state report`,
          droppedRequestId: evicted.requestId,
        });
      }
      this.sendIfReady(text);
    });
  }

  /**
   * Sends a fresh snapshot now (or on the next connect when offline); resolves when the cloud acks a
   * snapshot taken after this call. Every connect sends one anyway; this is for metadata changes mid-session.
   */
  requestSync(): Promise<void> {
    if (this.currentStatus === 'stopped')
      return Promise.reject(new EdgeClientStoppedError('The edge client is stopped'));
    const acked = this.syncs.waitForNextSync();
    const socket = this.connection.current;
    if (this.currentStatus === 'ready' && socket) void this.sendSnapshot(socket);
    return acked;
  }

  // ---- connection lifecycle -----------------------------------------------------------------------------------

  private onOpen(socket: WebSocket): void {
    this.setStatus('awaiting_welcome');
    this.welcomeTimer = setTimeout(() => {
      this.emitError('welcome_timeout', `No welcome within ${this.options.welcomeTimeoutMs} ms`);
      socket.terminate();
    }, this.options.welcomeTimeoutMs);
  }

  /** The socket closed: the session (if any) is over; the socket reconnects unless told to stop. */
  private onClose(code: number, reason: string, reconnectInMs: number | null): void {
    const hadSession = this.currentSessionId !== null;
    this.currentSessionId = null;
    this.clearSessionTimers();
    this.syncs.connectionLost();
    if (reconnectInMs !== null) this.setStatus('backing_off');
    this.emit({ type: 'disconnected', code, reason, hadSession, willReconnect: reconnectInMs !== null, reconnectInMs });
  }

  private stop(reason: StopReason, closeCode: number | null, httpStatus: number | null): void {
    this.setStatus('stopped');
    const stopped = new EdgeClientStoppedError(`The edge client stopped: ${reason}`);
    for (const pending of this.unacked.takeAll()) pending.reject(stopped);
    this.syncs.rejectAll(stopped);
    this.commands.dropPendingAcks();
    this.emit({ type: 'stopped', reason, closeCode, httpStatus });
  }

  private clearSessionTimers(): void {
    if (this.welcomeTimer) clearTimeout(this.welcomeTimer);
    this.welcomeTimer = null;
    this.heartbeat?.stop();
    this.heartbeat = null;
  }

  // ---- inbound frames -----------------------------------------------------------------------------------------

  private onMessage(socket: WebSocket, data: RawData): void {
    const parsed = parseOutboundFrame(rawDataToText(data), this.options.maxFrameBytes);
    if (!parsed.ok) {
      this.emitError('protocol', parsed.error.message, parsed.error.code);
      return;
    }
    const frame = parsed.frame;
    switch (frame.type) {
      case 'welcome':
        // A snapshot the host application built may fail to encode: an error event, never an unhandled rejection.
        this.onWelcome(socket, frame).catch((cause: unknown) => this.emitError('protocol', describe(cause)));
        return;
      case 'pong':
        this.heartbeat?.pongReceived();
        return;
      case 'ack':
        this.onAck(frame);
        return;
      case 'error':
        this.onCloudError(frame);
        return;
      case 'command':
        this.commands.run(frame).catch((cause: unknown) => this.emitError('command_handler', describe(cause)));
        return;
    }
  }

  private async onWelcome(socket: WebSocket, frame: WelcomeFrame): Promise<void> {
    const intervalMs = frame.payload.heartbeat_interval_s * 1000;
    if (this.currentSessionId !== null) {
      // A repeated welcome on a live session only changes the cadence.
      this.startHeartbeat(socket, intervalMs);
      return;
    }
    if (this.welcomeTimer) clearTimeout(this.welcomeTimer);
    this.welcomeTimer = null;
    this.currentSessionId = frame.payload.session_id;
    this.connection.sessionBegan();
    this.startHeartbeat(socket, intervalMs);

    // While syncing, new reports only enter the buffer, so the backlog below goes out exactly once and
    // after the snapshot (metadata before the states that refer to it).
    this.setStatus('syncing');
    await this.sendSnapshot(socket);
    if (socket !== this.connection.current) return;
    const backlog = this.unacked.inSendOrder();
    for (const pending of backlog) sendText(socket, pending.text);
    for (const text of this.commands.takePendingAcks()) sendText(socket, text);
    this.setStatus('ready');
    // requestSync() calls made while the connect-time snapshot was already on its way need a newer one.
    if (this.syncs.hasUnsentWaiters) void this.sendSnapshot(socket);
    this.emit({
      type: 'connected',
      sessionId: frame.payload.session_id,
      heartbeatIntervalS: frame.payload.heartbeat_interval_s,
      resentStateFrames: backlog.length,
    });
  }

  private startHeartbeat(socket: WebSocket, intervalMs: number): void {
    this.heartbeat?.stop();
    this.heartbeat = new Heartbeat(
      intervalMs,
      this.options.maxUnansweredPings,
      () => {
        const ping = buildPing({
          dialect: this.options.dialect,
          requestId: this.options.newRequestId(),
          timestamp: this.nowSeconds(),
        });
        sendText(socket, encodeFrame(ping));
      },
      () => {
        this.emitError('heartbeat', `No pong after ${this.options.maxUnansweredPings} pings; reconnecting`);
        socket.terminate();
      },
    );
    this.heartbeat.start();
  }

  private async sendSnapshot(socket: WebSocket): Promise<void> {
    let snapshot;
    try {
      snapshot = await this.options.snapshot();
    } catch (cause) {
      this.emitError('snapshot', `snapshot() failed: ${describe(cause)}`);
      return;
    }
    if (socket !== this.connection.current) return;
    const requestId = this.options.newRequestId();
    const text = encodeFrame(
      buildSyncFrame({ dialect: this.options.dialect, requestId, timestamp: this.nowSeconds(), snapshot }),
    );
    const bytes = encodedFrameBytes(text);
    if (bytes > this.options.maxFrameBytes) {
      this.emitError('snapshot', new FrameTooLargeError(bytes, this.options.maxFrameBytes).message);
      return;
    }
    this.syncs.sent(requestId);
    sendText(socket, text);
  }

  private onAck(frame: AckFrame): void {
    const requestId = frame.request_id;
    const outcome = frame.payload;
    const pending = this.unacked.take(requestId);
    if (pending) {
      if (outcome.status === 'ok') pending.resolve();
      else pending.reject(new FrameRejectedError(requestId, outcome.error));
      return;
    }
    if (outcome.status === 'ok') {
      if (this.syncs.acked(requestId)) this.emit({ type: 'sync_acked', requestId });
    } else if (this.syncs.rejected(requestId, new FrameRejectedError(requestId, outcome.error))) {
      this.emitError('sync_rejected', outcome.error.message, outcome.error.code);
    }
    // Anything else is a duplicate ack for a frame already settled.
  }

  private onCloudError(frame: ErrorFrame): void {
    this.emitError('cloud', frame.payload.message, frame.payload.code);
    // `retry: 'later'` (store unavailable, over a budget…) leaves the frame to be resent; `never` errors never heal.
    if (frame.request_id === null || frame.payload.retry !== 'never') return;
    const rejection = new FrameRejectedError(frame.request_id, frame.payload);
    this.unacked.take(frame.request_id)?.reject(rejection);
    this.syncs.rejected(frame.request_id, rejection);
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private sendIfReady(text: string): boolean {
    const socket = this.connection.current;
    if (this.currentStatus !== 'ready' || !socket) return false;
    return sendText(socket, text);
  }

  private nowSeconds(): number {
    return this.options.now() / 1000;
  }

  private setStatus(status: EdgeClientStatus): void {
    this.currentStatus = status;
  }

  private emit(event: EdgeClientEvent): void {
    this.eventSubject.next(event);
  }

  /** The secret must never reach an event (they end up in logs); a ws error could quote the URL. */
  private emitError(source: EdgeClientErrorSource, message: string, code?: string): void {
    const redacted = message.split(this.options.secret).join('***');
    this.emit(
      code === undefined
        ? { type: 'error', source, message: redacted }
        : { type: 'error', source, message: redacted, code },
    );
  }
}

/** @returns false when the socket is not open; the close handler deals with the rest. */
function sendText(socket: WebSocket, text: string): boolean {
  if (socket.readyState !== WebSocket.OPEN) return false;
  // A send error means the connection is going down; 'close' follows and unacked frames are resent.
  socket.send(text, () => undefined);
  return true;
}

function rawDataToText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function isDeviceList(devices: DeviceStateInput | readonly DeviceStateInput[]): devices is readonly DeviceStateInput[] {
  return Array.isArray(devices);
}

function describe(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
