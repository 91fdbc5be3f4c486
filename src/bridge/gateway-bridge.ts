import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync, WebSocket } from 'ws';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import { follow, type Following } from '../eventstore/follow.ts';
import type { EventStore, RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';
import { readGatewayCredentials, redactedUrl } from './gateway-credentials.ts';
import { FieldGatewaySession } from './field-gateway-session.ts';
import { GatewaySession, type CommandAckHandler, type SessionSettings } from './gateway-session.ts';
import type { HandshakeThrottle } from './handshake-throttle.ts';

const BRIDGE_PATHS = new Set(['/bridge', '/bridge/']);
/**
 * The field edges' path (the Django original's `ws/gateway/(?:(?P<home_id>[a-zA-Z0-9-]+)/)?$`), with or without
 * the trailing slash. The optional segment is not used: the gateway's home comes from its credentials.
 */
const FIELD_PATH = /^\/ws\/gateway(?:\/[A-Za-z0-9-]{1,64})?\/?$/;

/** Which protocol a socket speaks, chosen by the path: our `/bridge/` protocol, or the field edges' dialect. */
export type BridgeDialect = 'bridge' | 'field';

export function dialectOfPath(path: string): BridgeDialect | null {
  if (BRIDGE_PATHS.has(path)) return 'bridge';
  return FIELD_PATH.test(path) ? 'field' : null;
}
/** Events after which a live session's credentials are no longer valid. */
const CREDENTIAL_ENDING_EVENTS = new Set(['GatewayRevoked', 'GatewayDeleted', 'GatewaySecretRotated']);
/** Events after which a live session must go: its credentials died, or a newer session took over. */
const FOLLOWED_EVENTS = [...CREDENTIAL_ENDING_EVENTS, 'BridgeSessionOpened', 'DeviceInventoryRequested'];
/**
 * How many gateways' last credential-ending revision the bridge remembers. It only has to cover revocations that
 * arrive between a handshake's credential check and its session being registered (milliseconds).
 */
const REMEMBERED_REVOCATIONS = 10_000;

export interface BridgeOptions {
  nodeId: string;
  settings: SessionSettings;
  authenticate: GatewayAuthenticator;
  recorder: TelemetryRecorder;
  store: EventStore;
  logger: Logger;
  trustProxy: boolean;
  /** Failed handshakes, limited per (gateway id, address) and per address — never per gateway id alone. */
  failedHandshakes: HandshakeThrottle;
}

interface Accepted {
  dialect: BridgeDialect;
  gatewayId: string;
  homeId: string;
  revision: number;
}

/**
 * The gateway bridge: authenticates the WebSocket upgrade (401 before the handshake), runs one session per
 * gateway (a new one replaces the old), and follows the event store so that revoking, deleting or rotating a
 * gateway — in whichever process took the REST call — closes its live session.
 */
export class GatewayBridge {
  private readonly sessions = new Map<string, GatewaySession>();
  private readonly accepted = new WeakMap<IncomingMessage, Accepted>();
  /** Per gateway, the revision of the latest revocation/rotation/deletion the follower saw (bounded, oldest out). */
  private readonly credentialsEndedAt = new Map<string, number>();
  private following: Following | null = null;
  private commandAckHandler: CommandAckHandler = () => false;
  private sessionReadyHandler: (session: GatewaySession) => void = () => {};

  constructor(private readonly options: BridgeOptions) {}

  /** ws `verifyClient`: refuses bad paths (404), throttled callers (429) and bad credentials (401) before upgrading. */
  readonly verifyClient: VerifyClientCallbackAsync = (info, callback) => {
    const request = info.req;
    const path = new URL(request.url ?? '/', 'http://bridge.invalid').pathname;
    const dialect = dialectOfPath(path);
    if (dialect === null) return callback(false, 404, 'Not Found');
    const address = this.clientAddress(request);
    const credentials = readGatewayCredentials(request);
    const throttled = this.options.failedHandshakes.retryAfter(address, credentials?.gatewayId ?? null);
    if (throttled !== null) return callback(false, 429, 'Too Many Requests', { 'Retry-After': String(throttled) });
    if (!credentials) return this.refuse(callback, address, null, 'missing credentials');
    this.options.authenticate(credentials.gatewayId, credentials.secret).then(
      (gateway) => {
        if (!gateway) return this.refuse(callback, address, credentials.gatewayId, 'unknown gateway or wrong secret');
        this.options.failedHandshakes.succeeded(address, credentials.gatewayId);
        this.accepted.set(request, { ...gateway, dialect });
        callback(true);
      },
      (error: unknown) => {
        this.options.logger.error({ err: error, url: redactedUrl(request) }, 'gateway authentication failed');
        callback(false, 503, 'Service Unavailable');
      },
    );
  };

  private refuse(
    callback: Parameters<VerifyClientCallbackAsync>[1],
    address: string,
    gatewayId: string | null,
    why: string,
  ): void {
    this.options.failedHandshakes.failed(address, gatewayId);
    this.options.logger.warn({ gateway_id: gatewayId, remote_address: address, why }, 'bridge handshake refused');
    callback(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="smarthome-bridge"' });
  }

  /** Takes a socket whose upgrade `verifyClient` accepted. */
  async accept(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const gateway = this.accepted.get(request);
    if (!gateway) {
      socket.close(4401, 'unauthenticated');
      return;
    }
    const Session = gateway.dialect === 'field' ? FieldGatewaySession : GatewaySession;
    const session = new Session(
      socket,
      {
        gatewayId: gateway.gatewayId,
        homeId: gateway.homeId,
        nodeId: this.options.nodeId,
        remoteAddress: this.clientAddress(request),
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
    );
    const previous = this.sessions.get(gateway.gatewayId);
    this.sessions.set(gateway.gatewayId, session);
    if (previous) void previous.close('replaced');
    this.options.logger.info({ gateway_id: gateway.gatewayId, session_id: session.sessionId }, 'gateway connected');
    // The credentials may have died after the handshake checked them, before this session was registered (the
    // follower then found no session to close).
    if (this.credentialsEnded(session)) {
      void session.close('revoked');
      return;
    }
    await session.start();
    if (session.isOpen && this.sessions.get(gateway.gatewayId) === session) this.sessionReadyHandler(session);
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

  /** Follows revocations and newer sessions from every process, starting at the head of the log. */
  async startFollowing(): Promise<void> {
    const head = await this.options.store.headPosition();
    this.following = follow(this.options.store, { eventTypes: FOLLOWED_EVENTS }, head, (event) => this.onFollowedEvent(event), {
      name: 'gateway-bridge',
      logger: this.options.logger,
    });
  }

  /**
   * Credential-ending events close sessions that checked older credentials; a newer session elsewhere replaces one
   * here; an inventory request reaches the gateway if its socket is here.
   */
  private onFollowedEvent(event: RecordedEvent): void {
    const data = event.data as { gateway_id?: string; session_id?: string; request_id?: string };
    if (!data.gateway_id) return;
    if (event.type === 'DeviceInventoryRequested') {
      this.requestInventory(data.gateway_id, String(data.request_id));
      return;
    }
    if (CREDENTIAL_ENDING_EVENTS.has(event.type)) {
      this.rememberCredentialsEnded(data.gateway_id, event.revision);
      const session = this.sessions.get(data.gateway_id);
      // By the gateway stream's revision, not by global position: a revocation that landed between the
      // handshake's check and BridgeSessionOpened is before the session in the log, yet after what was checked.
      if (session && this.credentialsEnded(session)) void session.close('revoked');
      return;
    }
    const session = this.sessions.get(data.gateway_id);
    if (!session || data.session_id === session.sessionId) return;
    // Only what happened after this session began ends it (a late delivery of an older event must not).
    session.opened.then(
      (openedAt) => {
        if (event.position <= openedAt) return;
        void session.close('replaced');
      },
      () => {},
    );
  }

  /** An inventory asked for in any process reaches the gateway if its socket is here (else another node sends it). */
  private requestInventory(gatewayId: string, requestId: string): void {
    const session = this.sessionFor(gatewayId);
    if (session && !session.requestInventory(requestId)) {
      this.options.logger.info({ gateway_id: gatewayId, request_id: requestId }, 'inventory requested from a gateway whose dialect has none');
    }
  }

  private credentialsEnded(session: GatewaySession): boolean {
    const endedAt = this.credentialsEndedAt.get(session.gatewayId);
    return endedAt !== undefined && endedAt > session.origin.credentialsRevision;
  }

  private rememberCredentialsEnded(gatewayId: string, revision: number): void {
    const latest = Math.max(revision, this.credentialsEndedAt.get(gatewayId) ?? -1);
    // Re-inserted, so the Map's insertion order is the eviction order (least recently revoked first).
    this.credentialsEndedAt.delete(gatewayId);
    this.credentialsEndedAt.set(gatewayId, latest);
    if (this.credentialsEndedAt.size > REMEMBERED_REVOCATIONS) {
      this.credentialsEndedAt.delete(this.credentialsEndedAt.keys().next().value!);
    }
  }

  /** SIGTERM: every session is closed with `server_shutdown` after its event is written. */
  async closeAll(reason: 'server_shutdown' = 'server_shutdown'): Promise<void> {
    this.following?.stop();
    await Promise.all([...this.sessions.values()].map((session) => session.close(reason)));
  }

  private clientAddress(request: IncomingMessage): string {
    if (this.options.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return request.socket.remoteAddress ?? 'unknown';
  }
}
