import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import { systemContext, type CommandContext } from '../commands/metadata.ts';
import type { SessionCloseReason, TelemetryEvent } from '../domain/bridge/telemetry-events.ts';
import type { Position } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { CLOSE_CODE } from './close-codes.ts';
import {
  buildAck,
  buildError,
  buildPong,
  buildWelcome,
  encodeFrame,
  parseInboundFrame,
  type InboundFrame,
  type StateFrame,
  type SyncFrame,
} from './protocol/index.ts';

export const PROTOCOL_VERSION = '1';

export interface SessionSettings {
  heartbeatIntervalS: number;
  heartbeatTimeoutS: number;
  maxFrameBytes: number;
  maxFramesPerSecond: number;
  /** Seconds of sustained excess before the session is closed (one `error` frame is sent first). */
  rateLimitGraceWindows: number;
  maxSyncBytes: number;
}

export interface SessionOrigin {
  gatewayId: string;
  homeId: string;
  nodeId: string;
  remoteAddress: string | null;
  userAgent: string | null;
  /** Revision of the gateway stream the handshake's credential check read (see GatewayBridge.startFollowing). */
  credentialsRevision: number;
}

/** An ack for a command this session relayed (the remote-control capability plugs in here). */
export type CommandAckHandler = (session: GatewaySession, requestId: string, frame: Extract<InboundFrame, { type: 'ack' }>) => boolean;

const nowSeconds = () => Date.now() / 1000;

/**
 * One connected gateway: its frames, heartbeat, rate limit and the events that record it. Every failure of a
 * frame is answered on this socket and never reaches the process or another session.
 */
export class GatewaySession {
  readonly sessionId = randomUUID();
  readonly startedAt = Date.now();
  private framesIn = 0;
  private framesOut = 0;
  private closing: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private windowStart = Date.now();
  private framesInWindow = 0;
  private windowsOverLimit = 0;
  /** Where `BridgeSessionOpened` landed in the log: orders this session against events from other processes. */
  readonly opened: Promise<Position>;

  constructor(
    private readonly socket: WebSocket,
    readonly origin: SessionOrigin,
    private readonly recorder: TelemetryRecorder,
    private readonly settings: SessionSettings,
    private readonly logger: Logger,
    private readonly onCommandAck: CommandAckHandler,
    private readonly onClosed: (session: GatewaySession) => void,
  ) {
    this.opened = this.record({
      type: 'BridgeSessionOpened',
      data: {
        session_id: this.sessionId,
        gateway_id: origin.gatewayId,
        home_id: origin.homeId,
        node_id: origin.nodeId,
        remote_address: origin.remoteAddress,
        user_agent: origin.userAgent,
        protocol_version: PROTOCOL_VERSION,
      },
    });
    this.opened.catch(() => {}); // handled in start()
  }

  get gatewayId(): string {
    return this.origin.gatewayId;
  }

  get isOpen(): boolean {
    return this.closing === null;
  }

  /** Records the session, greets the gateway, and starts listening. */
  async start(): Promise<void> {
    this.socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    this.socket.on('close', (code) => void this.close(code === 1009 ? 'frame_too_large' : 'client_closed', null));
    this.socket.on('error', (error) => this.logger.warn({ err: error, session_id: this.sessionId }, 'bridge socket error'));
    try {
      await this.opened;
    } catch (error) {
      this.logger.error({ err: error, gateway_id: this.gatewayId }, 'could not record the bridge session; closing it');
      this.socket.close(1011, 'session could not be recorded');
      this.onClosed(this);
      return;
    }
    // Closed while the session was being recorded (replaced, revoked): no welcome, no timers.
    if (this.closing) return;
    this.send(
      buildWelcome({
        requestId: randomUUID(),
        timestamp: nowSeconds(),
        sessionId: this.sessionId,
        heartbeatIntervalS: this.settings.heartbeatIntervalS,
      }),
    );
    this.resetHeartbeat();
    // WebSocket-level pings keep NATs and proxies from dropping an idle connection. Their pongs do not count as
    // frames: the heartbeat timeout is about the gateway's own frames (it must ping).
    this.pinger = setInterval(() => {
      if (this.socket.readyState === this.socket.OPEN) this.socket.ping();
    }, this.settings.heartbeatIntervalS * 1000);
    this.pinger.unref();
  }

  /** Sends a frame (JSON) if the socket is open; returns whether it was written. */
  send(frame: object): boolean {
    if (this.socket.readyState !== this.socket.OPEN) return false;
    this.socket.send(encodeFrame(frame as Parameters<typeof encodeFrame>[0]));
    this.framesOut += 1;
    return true;
  }

  /** Ends the session once: records why, then closes the socket with the matching code. */
  close(reason: SessionCloseReason, message: string | null = reason): Promise<void> {
    this.closing ??= (async () => {
      if (this.heartbeat) clearTimeout(this.heartbeat);
      if (this.pinger) clearInterval(this.pinger);
      if (message !== null && this.socket.readyState === this.socket.OPEN) this.socket.close(CLOSE_CODE[reason], message);
      try {
        await this.opened;
        await this.record(
          {
            type: 'BridgeSessionClosed',
            data: {
              session_id: this.sessionId,
              gateway_id: this.origin.gatewayId,
              home_id: this.origin.homeId,
              reason,
              duration_s: Math.round((Date.now() - this.startedAt) / 100) / 10,
              frames_in: this.framesIn,
              frames_out: this.framesOut,
            },
          },
          undefined,
          this.closeContext(reason),
        );
      } catch (error) {
        this.logger.error({ err: error, session_id: this.sessionId }, 'could not record the end of a bridge session');
      } finally {
        this.onClosed(this);
      }
    })();
    return this.closing;
  }

  private record(event: TelemetryEvent, requestId?: string, context = this.context(requestId)): Promise<Position> {
    return this.recorder.record(event, context);
  }

  /**
   * A shutdown is this process's act, not the gateway's: recorded as the system (`bridge-shutdown`) from this
   * node, correlated with and caused by the session it ends. Other closes keep the session's own origin.
   */
  private closeContext(reason: SessionCloseReason): CommandContext {
    if (reason !== 'server_shutdown') return this.context();
    return systemContext('bridge-shutdown', { nodeId: this.origin.nodeId, correlationId: this.sessionId });
  }

  private context(requestId?: string): CommandContext {
    const causation = requestId ?? this.sessionId;
    return {
      actor: { kind: 'gateway', id: this.origin.gatewayId },
      correlationId: this.sessionId,
      causationId: causation,
      requestId,
      clientAddress: this.origin.remoteAddress ?? undefined,
      userAgent: this.origin.userAgent ?? undefined,
      gatewaySessionId: this.sessionId,
      now: new Date(),
    };
  }

  private resetHeartbeat(): void {
    if (this.closing) return;
    if (this.heartbeat) clearTimeout(this.heartbeat);
    this.heartbeat = setTimeout(() => void this.close('heartbeat_timeout'), this.settings.heartbeatTimeoutS * 1000);
    this.heartbeat.unref();
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.closing) return;
    this.framesIn += 1;
    this.resetHeartbeat();
    if (!this.withinRateLimit()) return;
    if (isBinary) {
      this.sendError(null, 'invalid_frame', 'Frames are JSON text');
      return;
    }
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseInboundFrame(text, this.settings.maxFrameBytes);
    if (!parsed.ok) {
      this.sendError(parsed.error.request_id, parsed.error.code, parsed.error.message, parsed.error.issues);
      return;
    }
    this.handle(parsed.frame);
  }

  private handle(frame: InboundFrame): void {
    switch (frame.type) {
      case 'ping':
        this.send(buildPong({ requestId: frame.request_id, timestamp: nowSeconds() }));
        return;
      case 'state':
        this.storeState(frame);
        return;
      case 'sync':
        this.storeSync(frame);
        return;
      case 'ack':
        if (!this.onCommandAck(this, frame.request_id, frame)) {
          this.sendError(frame.request_id, 'unknown_request', `No command with request_id ${frame.request_id} is waiting for an ack`);
        }
        return;
    }
  }

  private storeState(frame: StateFrame): void {
    const receivedAt = new Date().toISOString();
    const devices = frame.payload.devices.map((device) => ({
      device_id: device.device_id,
      state: device.state,
      reported_at: device.ts === null ? receivedAt : new Date(device.ts * 1000).toISOString(),
    }));
    this.ackWhenStored(
      frame.request_id,
      this.record(
        {
          type: 'DeviceStatesReported',
          data: { session_id: this.sessionId, gateway_id: this.origin.gatewayId, home_id: this.origin.homeId, request_id: frame.request_id, devices },
        },
        frame.request_id,
      ),
    );
  }

  private storeSync(frame: SyncFrame): void {
    const bytes = Buffer.byteLength(JSON.stringify(frame.payload));
    if (bytes > this.settings.maxSyncBytes) {
      this.sendError(frame.request_id, 'sync_too_large', `A metadata snapshot may hold at most ${this.settings.maxSyncBytes} bytes`);
      return;
    }
    this.ackWhenStored(
      frame.request_id,
      this.record(
        {
          type: 'HomeMetadataSynced',
          data: { session_id: this.sessionId, gateway_id: this.origin.gatewayId, home_id: this.origin.homeId, request_id: frame.request_id, metadata: frame.payload },
        },
        frame.request_id,
      ),
    );
  }

  /** Durable ack: sent only once the event is stored, so the edge may drop its copy. */
  private ackWhenStored(requestId: string, stored: Promise<unknown>): void {
    stored.then(
      () => this.send(buildAck({ requestId, timestamp: nowSeconds() })),
      (error: unknown) => {
        this.logger.error({ err: error, session_id: this.sessionId }, 'could not store a gateway frame');
        // No ack: the edge keeps the frame and sends it again.
        this.sendError(requestId, 'store_unavailable', 'The frame could not be stored; send it again later');
      },
    );
  }

  private withinRateLimit(): boolean {
    const now = Date.now();
    if (now - this.windowStart >= 1000) {
      this.windowsOverLimit = this.framesInWindow > this.settings.maxFramesPerSecond ? this.windowsOverLimit + 1 : 0;
      this.windowStart = now;
      this.framesInWindow = 0;
    }
    this.framesInWindow += 1;
    if (this.framesInWindow <= this.settings.maxFramesPerSecond) return true;
    if (this.framesInWindow === this.settings.maxFramesPerSecond + 1) {
      if (this.windowsOverLimit >= this.settings.rateLimitGraceWindows) {
        void this.close('rate_limited', 'too many frames');
        return false;
      }
      this.sendError(null, 'rate_limited', `At most ${this.settings.maxFramesPerSecond} frames per second; frames over it are dropped`);
    }
    return false;
  }

  private sendError(requestId: string | null, code: string, message: string, issues?: unknown): void {
    const frame = buildError({ requestId, timestamp: nowSeconds(), error: { code, message } });
    this.send(issues === undefined ? frame : { ...frame, payload: { ...frame.payload, details: { issues } } });
  }
}
