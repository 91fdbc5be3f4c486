import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import { deviceStatesReported, homeMetadataSynced, type SessionIdentity } from '../commands/bridge/telemetry-events.ts';
import type { TelemetryWriter } from '../commands/bridge/telemetry-recorder.ts';
import { reportTimeOf } from '../domain/bridge/device-report-time.ts';
import type { SessionCloseReason, TelemetryEvent } from '../domain/bridge/telemetry-events.ts';
import type { Position } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { NO_BRIDGE_METRICS, type BridgeMetrics } from './bridge-metrics.ts';
import { CLOSE_CODE, TRY_AGAIN_LATER } from './close-codes.ts';
import { EventStoreUnavailableError } from '../commands/event-store-unavailable.ts';
import type { BridgeDialect } from './gateway-handshake.ts';
import { COMMAND_REPLY_FRAMES, FrameRateLimiter } from './frame-rate-limiter.ts';
import { NodeLeaseLostError } from './lease-guarded-telemetry.ts';
import { RefusedFrameWindow } from './refused-frame-window.ts';
import type { CommandAckHandler, OutgoingCommand, SessionOrigin, SessionSettings } from './gateway-session-types.ts';
import { SessionContextFactory } from './session-context.ts';
import { SessionHeartbeat } from './session-heartbeat.ts';
import { SessionTelemetry } from './session-telemetry.ts';
import { TelemetryBudget } from './telemetry-budget.ts';
import { findUnstorableTelemetry } from './unstorable-telemetry.ts';
import {
  buildAck,
  buildCommand,
  buildError,
  buildPong,
  buildWelcome,
  encodeFrame,
  parseInboundFrame,
  type CloudErrorCode,
  type InboundFrame,
  type JsonObject,
  type ProtocolIssue,
  type StateFrame,
  type SyncFrame,
} from './protocol/index.ts';

export const PROTOCOL_VERSION = '1';

/** The session's settings and shapes, for those who build sessions or talk to them. */
export type { CommandAckHandler, OutgoingCommand, SessionOrigin, SessionSettings } from './gateway-session-types.ts';

const nowSeconds = () => Date.now() / 1000;

/**
 * One connected gateway: its socket, its frames and its lifecycle (start, heartbeat, close). How frames are
 * limited, and how the session's events are built and recorded, live beside it (frame-rate-limiter.ts,
 * session-telemetry.ts, session-context.ts). Every failure of a frame is answered on this socket and never
 * reaches the process or another session.
 */
export class GatewaySession {
  readonly sessionId = randomUUID();
  /** The metadata of this session's events (and of the remote commands dispatched on it). */
  readonly contexts: SessionContextFactory;
  private closing: Promise<void> | null = null;
  private readonly heartbeat: SessionHeartbeat;
  private readonly telemetry: SessionTelemetry;
  private readonly rateLimiter: FrameRateLimiter;
  private readonly telemetryBudget: TelemetryBudget;
  private readonly refusedFrames: RefusedFrameWindow;
  protected readonly logger: Logger;
  /** Where `BridgeSessionOpened` landed in the log: orders this session against events from other processes. */
  readonly opened: Promise<Position>;

  constructor(
    private readonly socket: WebSocket,
    readonly origin: SessionOrigin,
    recorder: TelemetryWriter,
    protected readonly settings: SessionSettings,
    logger: Logger,
    protected readonly onCommandAck: CommandAckHandler,
    private readonly onClosed: (session: GatewaySession) => void,
    protected readonly metrics: BridgeMetrics = NO_BRIDGE_METRICS,
  ) {
    this.logger = logger;
    this.contexts = new SessionContextFactory(this.sessionId, origin);
    this.telemetry = new SessionTelemetry(recorder, this.identity, this.contexts);
    this.heartbeat = new SessionHeartbeat(
      socket,
      settings.heartbeatIntervalS,
      this.heartbeatTimeoutS,
      () => void this.close('heartbeat_timeout'),
    );
    this.rateLimiter = new FrameRateLimiter(settings.maxFramesPerSecond, settings.rateLimitGraceWindows);
    this.telemetryBudget = new TelemetryBudget(settings.telemetryBytesPerMinute, settings.maxFrameBytes);
    this.refusedFrames = new RefusedFrameWindow(settings.maxRefusedFrames, settings.refusedFramesWindowS * 1000);
    this.opened = this.telemetry.recordOpened({
      nodeId: origin.nodeId,
      remoteAddress: origin.remoteAddress,
      userAgent: origin.userAgent,
      protocolVersion: this.protocolVersion,
    });
    this.opened.catch(() => {}); // handled in start()
  }

  /** Which session this is, as its events name it. */
  protected get identity(): SessionIdentity {
    return { sessionId: this.sessionId, gatewayId: this.origin.gatewayId, homeId: this.origin.homeId };
  }

  get gatewayId(): string {
    return this.origin.gatewayId;
  }

  get isOpen(): boolean {
    return this.closing === null;
  }

  /**
   * Records the session, greets the gateway, and starts listening. `admit`, when given, decides once the session
   * is recorded whether it may be greeted (null) or must close, and why.
   */
  async start(admit?: () => Promise<SessionCloseReason | null>): Promise<void> {
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', (code) => void this.close(code === 1009 ? 'frame_too_large' : 'client_closed', null));
    this.socket.on('error', (error) =>
      this.logger.warn({ err: error, session_id: this.sessionId }, 'bridge socket error'),
    );
    let refused: SessionCloseReason | null = null;
    try {
      await this.opened;
      refused = admit ? await admit() : null;
    } catch (error) {
      this.logger.error({ err: error, gateway_id: this.gatewayId }, 'could not record the bridge session; closing it');
      // An unavailable store is passing (1013 Try Again Later: reconnect after a backoff); anything else is ours.
      if (error instanceof EventStoreUnavailableError) this.socket.close(TRY_AGAIN_LATER, 'store_unavailable');
      else this.socket.close(1011, 'session could not be recorded');
      this.onClosed(this);
      return;
    }
    if (refused !== null && !this.closing) void this.close(refused);
    // Closed while the session was being recorded (replaced, revoked): no welcome, no timers.
    if (this.closing) return;
    this.greet();
    this.heartbeat.start();
  }

  /** Which dialect this session speaks (the process metrics count sessions and frames by it). */
  get dialect(): BridgeDialect {
    return 'bridge';
  }

  /** Which protocol the session speaks, recorded in `BridgeSessionOpened` (a getter: the constructor records it). */
  protected get protocolVersion(): string {
    return PROTOCOL_VERSION;
  }

  /** Silence longer than this (no frame from the gateway) closes the session. */
  protected get heartbeatTimeoutS(): number {
    return this.settings.heartbeatTimeoutS;
  }

  /** The first frame once the session is recorded: `/bridge/` gateways get a `welcome`. */
  protected greet(): void {
    this.send(
      buildWelcome({
        requestId: randomUUID(),
        timestamp: nowSeconds(),
        sessionId: this.sessionId,
        heartbeatIntervalS: this.settings.heartbeatIntervalS,
      }),
    );
  }

  /** Sends a remote command whose dispatch on this session is recorded. */
  sendCommand(command: OutgoingCommand): boolean {
    return this.sendExpectingReplies(
      buildCommand({
        commandId: command.commandId,
        timestamp: nowSeconds(),
        deviceId: command.deviceId,
        action: command.action,
        params: command.params as JsonObject,
      }),
      COMMAND_REPLY_FRAMES,
    );
  }

  /** The gateway acked a request_id no command carries (late, after a restart, or made up). */
  reportUnknownRequest(requestId: string): void {
    this.sendError(requestId, 'unknown_request', `No command with request_id ${requestId} is waiting for an ack`);
  }

  /**
   * Asks the gateway for its device inventory; false when this dialect has no such request (`/bridge/` gateways
   * send their metadata with `sync` on their own).
   */
  requestInventory(_requestId: string): boolean {
    return false;
  }

  /**
   * Sends a frame the gateway answers with `replies` frames (a command: its ack and the state report its effect
   * causes — the field edge's `state_update` has no ack and is not sent again if dropped; an inventory request: one
   * answer). The answers pass the rate limit.
   */
  protected sendExpectingReplies(frame: object, replies: number): boolean {
    const sent = this.send(frame);
    if (sent) this.rateLimiter.expectReplies(replies);
    return sent;
  }

  /** Sends a frame (JSON) if the socket is open; returns whether it was written. */
  send(frame: object): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(encodeFrame(frame as Parameters<typeof encodeFrame>[0]));
    this.telemetry.countFrameOut();
    this.metrics.frameOut(this.dialect, (frame as { type?: unknown }).type as string);
    return true;
  }

  /** Ends the session once: records why, then closes the socket with the matching code. */
  close(reason: SessionCloseReason, message: string | null = reason): Promise<void> {
    this.closing ??= (async () => {
      this.heartbeat.stop();
      if (message !== null && this.socket.readyState === this.socket.OPEN)
        this.socket.close(CLOSE_CODE[reason], message);
      try {
        await this.opened;
        await this.telemetry.recordClosed(reason);
      } catch (error) {
        // A node that lost its lease writes nothing: the node that declared it lost closed the session.
        if (!(error instanceof NodeLeaseLostError))
          this.logger.error({ err: error, session_id: this.sessionId }, 'could not record the end of a bridge session');
      } finally {
        this.onClosed(this);
      }
    })();
    return this.closing;
  }

  /**
   * This node was declared lost: another node closed this session in the log (`node_lost`), so nothing is
   * recorded; the socket closes with 1012 and the gateway reconnects (to this node once it registered again, or
   * to another).
   */
  abandon(): void {
    if (this.closing) return;
    this.closing = Promise.resolve();
    this.heartbeat.stop();
    if (this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE_CODE.node_lost, 'node_lost');
    this.onClosed(this);
  }

  /**
   * The last line of defence: whatever a frame makes our code throw is logged and answered here, never thrown out
   * of the ws 'message' handler (which would stop the process, and every other gateway's session with it).
   */
  private onMessage(data: unknown, isBinary: boolean): void {
    try {
      this.receive(data, isBinary);
    } catch (error) {
      this.logger.error({ err: error, session_id: this.sessionId }, 'a gateway frame could not be handled');
      this.refuse(null, 'internal_error', 'The frame could not be handled; send it again later');
    }
  }

  private receive(data: unknown, isBinary: boolean): void {
    if (this.closing) return;
    this.telemetry.countFrameIn();
    this.heartbeat.frameReceived();
    if (!this.withinRateLimit()) return;
    if (isBinary) {
      this.metrics.frameIn(this.dialect, 'invalid');
      this.refuse(null, 'invalid_frame', 'Frames are JSON text');
      return;
    }
    const bytes = rawFrameBytes(data);
    this.handleText(bytes.toString('utf8'), bytes.length);
  }

  /** One text frame of this dialect. */
  protected handleText(text: string, frameBytes: number): void {
    const parsed = parseInboundFrame(text, this.settings.maxFrameBytes);
    this.metrics.frameIn(this.dialect, parsed.ok ? parsed.frame.type : 'invalid');
    if (!parsed.ok) {
      this.refuse(parsed.error.request_id, parsed.error.code, parsed.error.message, parsed.error.issues);
      return;
    }
    this.handle(parsed.frame, frameBytes);
  }

  private handle(frame: InboundFrame, frameBytes: number): void {
    switch (frame.type) {
      case 'ping':
        this.send(buildPong({ requestId: frame.request_id, timestamp: nowSeconds() }));
        return;
      case 'state':
        this.storeState(frame, frameBytes);
        return;
      case 'sync':
        this.storeSync(frame, frameBytes);
        return;
      case 'ack':
        // Not counted as a refusal: a late ack (after a restart, after the command timed out) is no fault.
        if (!this.onCommandAck(this, frame.request_id, frame)) this.reportUnknownRequest(frame.request_id);
        return;
    }
  }

  /** Device times the server cannot believe are kept, flagged, and the report is ordered by its receive time. */
  private storeState(frame: StateFrame, frameBytes: number): void {
    const receivedAt = new Date();
    const devices = frame.payload.devices.map((device) => ({
      device_id: device.device_id,
      state: device.state,
      ...reportTimeOf(device.ts, receivedAt),
    }));
    this.storeTelemetry(frame.request_id, frameBytes, deviceStatesReported(this.identity, frame.request_id, devices));
  }

  private storeSync(frame: SyncFrame, frameBytes: number): void {
    // The frame passed the JSON bounds (depth 32), so this stringify cannot overflow the stack.
    const bytes = Buffer.byteLength(JSON.stringify(frame.payload));
    if (bytes > this.settings.maxSyncBytes) {
      this.refuse(
        frame.request_id,
        'sync_too_large',
        `A metadata snapshot may hold at most ${this.settings.maxSyncBytes} bytes`,
      );
      return;
    }
    this.storeTelemetry(
      frame.request_id,
      frameBytes,
      homeMetadataSynced(this.identity, frame.request_id, frame.payload),
    );
  }

  /**
   * An event the catalogue would refuse is refused here, alone: in the recorder it would fail the whole batch of
   * frames it was appended with. Then the byte budget; then the append, acked once durable.
   */
  protected storeTelemetry(requestId: string, frameBytes: number, event: TelemetryEvent): void {
    const unstorable = findUnstorableTelemetry(event);
    if (unstorable !== null) {
      this.refuse(requestId, 'unstorable_frame', unstorable);
      return;
    }
    if (!this.withinTelemetryBudget(requestId, frameBytes)) return;
    this.ackWhenStored(requestId, this.telemetry.recordFromGateway(event, requestId));
  }

  /** Durable ack: sent only once the event is stored, so the edge may drop its copy. */
  private ackWhenStored(requestId: string, stored: Promise<unknown>): void {
    stored
      .then(
        () => this.acknowledgeStored(requestId),
        (error: unknown) => {
          this.logger.error({ err: error, session_id: this.sessionId }, 'could not store a gateway frame');
          // No ack: the edge keeps the frame and sends it again.
          this.refuse(requestId, 'store_unavailable', 'The frame could not be stored; send it again later');
        },
      )
      // Answering may throw too (a socket torn down under us); it must not become an unhandled rejection.
      .catch((error: unknown) =>
        this.logger.error({ err: error, session_id: this.sessionId }, 'could not answer a stored gateway frame'),
      );
  }

  /** Durable ack on `/bridge/`: the edge may drop its copy. */
  protected acknowledgeStored(requestId: string): void {
    this.send(buildAck({ requestId, timestamp: nowSeconds() }));
  }

  private withinTelemetryBudget(requestId: string, frameBytes: number): boolean {
    const verdict = this.telemetryBudget.spend(frameBytes);
    if (verdict === 'within') return true;
    if (verdict === 'over_too_long') {
      void this.close('telemetry_budget_exceeded', 'telemetry byte budget exceeded');
      return false;
    }
    this.sendError(
      requestId,
      'telemetry_budget_exceeded',
      `At most ${this.settings.telemetryBytesPerMinute} bytes of telemetry per minute; this frame was not stored, send it again later`,
    );
    return false;
  }

  /** Answers a refused frame and counts it; a session that keeps sending them is closed (4400). */
  protected refuse(
    requestId: string | null,
    code: CloudErrorCode,
    message: string,
    issues?: readonly ProtocolIssue[],
  ): void {
    this.sendError(requestId, code, message, issues);
    if (this.closing === null && this.refusedFrames.refuse()) {
      void this.close('refused_frames', 'too many refused frames');
    }
  }

  private withinRateLimit(): boolean {
    switch (this.rateLimiter.admit()) {
      case 'admit':
        return true;
      case 'drop':
        return false;
      case 'drop_and_warn':
        this.sendError(
          null,
          'rate_limited',
          `At most ${this.settings.maxFramesPerSecond} frames per second; frames over it are dropped`,
        );
        return false;
      case 'close':
        void this.close('rate_limited', 'too many frames');
        return false;
    }
  }

  protected sendError(
    requestId: string | null,
    code: CloudErrorCode,
    message: string,
    issues?: readonly ProtocolIssue[],
  ): void {
    const frame = buildError({
      requestId,
      timestamp: nowSeconds(),
      error: { code, message },
      ...(issues === undefined ? {} : { issues }),
    });
    this.send(frame);
  }
}

/** ws hands a text frame over as a Buffer (or fragments, or an ArrayBuffer, depending on its binaryType). */
function rawFrameBytes(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return Buffer.from(data as ArrayBuffer);
}
