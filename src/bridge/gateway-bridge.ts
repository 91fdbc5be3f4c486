import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync, WebSocket } from 'ws';
import { NO_BRIDGE_METRICS, type BridgeMetrics } from './bridge-metrics.ts';
import type { TelemetryWriter } from '../commands/bridge/telemetry-recorder.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { CachedAdmission, DEFAULT_ADMISSION_TIMEOUT_MS } from './cached-admission.ts';
import { CredentialCache } from './credential-cache.ts';
import { CredentialFollower } from './credential-follower.ts';
import { FieldGatewaySession } from './field-gateway-session.ts';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';
import { readGatewayCredentials } from './gateway-credentials.ts';
import { GatewayHandshake, type AcceptedGateway, type BridgeDialect } from './gateway-handshake.ts';
import { GatewaySession } from './gateway-session.ts';
import type { CommandAckHandler, SessionSettings } from './gateway-session-types.ts';
import type { HandshakeThrottle } from './handshake-throttle.ts';

export { dialectOfPath, type BridgeDialect } from './gateway-handshake.ts';

export interface BridgeOptions {
  nodeId: string;
  settings: SessionSettings;
  authenticate: GatewayAuthenticator;
  recorder: TelemetryWriter;
  store: EventStore;
  logger: Logger;
  trustProxy: boolean;
  /** Failed handshakes, limited per (gateway id, address) and per address — never per gateway id alone. */
  failedHandshakes: HandshakeThrottle;
  /** Handshakes and frames, counted for the process metrics (none when absent). */
  metrics?: BridgeMetrics | undefined;
  /**
   * How long a reconnect admitted on a cached credential check waits for the credential follower before the
   * gateway's stream is read instead (default 10 s; cached-admission.ts).
   */
  admissionTimeoutMs?: number | undefined;
}

/**
 * The gateway bridge: one session per gateway (a new one replaces the old). The upgrade is authenticated by the
 * handshake (401 before any socket), and the credential follower closes a live session when its gateway is
 * revoked, deleted or rotated — in whichever process took the REST call.
 */
export class GatewayBridge {
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly handshake: GatewayHandshake;
  private readonly follower: CredentialFollower;
  private readonly cachedAdmission: CachedAdmission;
  private commandAckHandler: CommandAckHandler = () => false;
  private sessionReadyHandler: (session: GatewaySession) => void = () => {};
  /** False while this node registers again after losing its lease: handshakes are refused with 503. */
  private accepting = true;

  constructor(private readonly options: BridgeOptions) {
    // A reconnect reads no stream when the gateway's credentials are known and nothing ended them.
    const credentials = new CredentialCache(options.authenticate, {
      endedAfter: (gatewayId, revision) => this.follower.endedAfter(gatewayId, revision),
    });
    this.follower = new CredentialFollower(
      options.store,
      { registered: (gatewayId) => this.sessions.get(gatewayId), open: (gatewayId) => this.sessionFor(gatewayId) },
      options.logger,
      (gatewayId) => credentials.forget(gatewayId),
    );
    this.handshake = new GatewayHandshake({ ...options, authenticate: credentials.authenticate });
    this.cachedAdmission = new CachedAdmission({
      follower: this.follower,
      check: options.authenticate,
      logger: options.logger,
      metrics: options.metrics ?? NO_BRIDGE_METRICS,
      timeoutMs: options.admissionTimeoutMs ?? DEFAULT_ADMISSION_TIMEOUT_MS,
    });
  }

  /** ws `verifyClient`: refuses bad paths (404), throttled callers (429) and bad credentials (401) before upgrading. */
  readonly verifyClient: VerifyClientCallbackAsync = (info, callback) => {
    if (!this.accepting) callback(false, 503, 'Service Unavailable', { 'Retry-After': '1' });
    else this.handshake.verifyClient(info, callback);
  };

  /** Takes a socket whose upgrade `verifyClient` accepted. */
  async accept(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const gateway = this.handshake.acceptedGateway(request);
    if (!gateway) {
      socket.close(4401, 'unauthenticated');
      return;
    }
    const session = this.newSession(socket, request, gateway);
    const previous = this.sessions.get(gateway.gatewayId);
    this.sessions.set(gateway.gatewayId, session);
    if (previous) void previous.close('replaced');
    this.options.logger.info({ gateway_id: gateway.gatewayId, session_id: session.sessionId }, 'gateway connected');
    // The credentials may have died after the handshake checked them, before this session was registered (the
    // follower then found no session to close).
    if (this.follower.credentialsEnded(session)) {
      void session.close('revoked');
      return;
    }
    // A cached check may predate a revocation the follower has not seen yet: greet only once it has caught up (or,
    // when it is late, once the gateway's stream still holds the credentials).
    const admit = () => this.cachedAdmission.decide(session, readGatewayCredentials(request));
    await session.start(gateway.cached ? admit : undefined);
    if (session.isOpen && this.sessions.get(gateway.gatewayId) === session) this.sessionReadyHandler(session);
  }

  /** A session of the dialect the handshake chose, for the gateway it authenticated. */
  private newSession(socket: WebSocket, request: IncomingMessage, gateway: AcceptedGateway): GatewaySession {
    const Session = gateway.dialect === 'field' ? FieldGatewaySession : GatewaySession;
    return new Session(
      socket,
      {
        gatewayId: gateway.gatewayId,
        homeId: gateway.homeId,
        nodeId: this.options.nodeId,
        remoteAddress: this.handshake.clientAddress(request),
        userAgent: request.headers['user-agent'] ?? null,
        credentialsRevision: gateway.revision,
      },
      this.options.recorder,
      this.options.settings,
      this.options.logger,
      (s, requestId, frame) => this.commandAckHandler(s, requestId, frame),
      (closed) => {
        if (this.sessions.get(closed.gatewayId) === closed) this.sessions.delete(closed.gatewayId);
      },
      this.options.metrics ?? NO_BRIDGE_METRICS,
    );
  }

  /** Called once a session is recorded and welcomed (the remote-control capability delivers queued commands). */
  onSessionReady(handler: (session: GatewaySession) => void): void {
    this.sessionReadyHandler = handler;
  }

  /** The remote-control capability answers command acks through this. */
  onCommandAck(handler: CommandAckHandler): void {
    this.commandAckHandler = handler;
  }

  sessionFor(gatewayId: string): GatewaySession | undefined {
    const session = this.sessions.get(gatewayId);
    return session?.isOpen ? session : undefined;
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  /** Open sessions per dialect (read at scrape time by the process metrics). */
  openSessionsByDialect(): Record<BridgeDialect, number> {
    const counts: Record<BridgeDialect, number> = { bridge: 0, field: 0 };
    for (const session of this.sessions.values()) if (session.isOpen) counts[session.dialect] += 1;
    return counts;
  }

  /** Follows revocations and newer sessions from every process, starting at the head of the log. */
  startFollowing(): Promise<void> {
    return this.follower.start();
  }

  /**
   * This node lost its lease (another node closes its sessions as `node_lost`): every socket is dropped without
   * recording anything, and new handshakes wait (503) until `resumeAccepting`.
   */
  abandonAll(): void {
    this.accepting = false;
    for (const session of [...this.sessions.values()]) session.abandon();
  }

  resumeAccepting(): void {
    this.accepting = true;
  }

  /** SIGTERM: every session is closed with `server_shutdown` after its event is written. */
  async closeAll(reason: 'server_shutdown' = 'server_shutdown'): Promise<void> {
    // No new sessions while these close (503): a session opened now would outlive the lease released after.
    this.accepting = false;
    this.follower.stop();
    await Promise.all([...this.sessions.values()].map((session) => session.close(reason)));
  }
}
