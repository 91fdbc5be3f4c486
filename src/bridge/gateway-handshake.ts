import { EVENT_STORE_RETRY_AFTER_S, EventStoreUnavailableError } from '../commands/event-store-unavailable.ts';
import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import type { Logger } from '../logger.ts';
import type { BridgeMetrics } from './bridge-metrics.ts';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';
import { readGatewayCredentials, redactedUrl } from './gateway-credentials.ts';
import type { HandshakeThrottle } from './handshake-throttle.ts';
import { maskedAddress } from '../log-hygiene.ts';

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

/** What `verifyClient` answers: let the upgrade through, or refuse it with a status. */
type Verdict = { ok: true } | { ok: false; status: number; message: string; headers?: Record<string, string> };

/** A gateway whose upgrade the handshake let through. */
export interface AcceptedGateway {
  dialect: BridgeDialect;
  gatewayId: string;
  homeId: string;
  /** Revision of the gateway stream the credential check read. */
  revision: number;
  /** The check answered from the cached view: the session is greeted only once the follower confirms it. */
  cached?: boolean;
}

export interface HandshakeOptions {
  authenticate: GatewayAuthenticator;
  logger: Logger;
  trustProxy: boolean;
  /** Failed handshakes, limited per (gateway id, address) and per address — never per gateway id alone. */
  failedHandshakes: HandshakeThrottle;
  metrics?: BridgeMetrics | undefined;
}

/**
 * The gateway's WebSocket upgrade, before any socket exists: the path picks the dialect, the throttle may refuse
 * (429), the credentials are checked on the gateway's stream (401). What it accepted, the bridge takes over.
 */
export class GatewayHandshake {
  private readonly accepted = new WeakMap<IncomingMessage, AcceptedGateway>();

  constructor(private readonly options: HandshakeOptions) {}

  /** ws `verifyClient`: refuses bad paths (404), throttled callers (429) and bad credentials (401) before upgrading. */
  readonly verifyClient: VerifyClientCallbackAsync = (info, callback) => {
    this.verdict(info.req).then(
      (verdict) => (verdict.ok ? callback(true) : callback(false, verdict.status, verdict.message, verdict.headers)),
      (error: unknown) => {
        this.options.metrics?.handshake('error');
        if (error instanceof EventStoreUnavailableError) {
          // The REST side's answer to the same state (503 event_store_unavailable): come back after Retry-After.
          this.options.logger.warn({ err: error }, 'gateway handshake refused: the event store is unavailable');
          callback(false, 503, 'Service Unavailable', { 'Retry-After': String(EVENT_STORE_RETRY_AFTER_S) });
          return;
        }
        this.options.logger.error({ err: error, url: redactedUrl(info.req) }, 'gateway authentication failed');
        callback(false, 503, 'Service Unavailable');
      },
    );
  };

  private async verdict(request: IncomingMessage): Promise<Verdict> {
    const path = new URL(request.url ?? '/', 'http://bridge.invalid').pathname;
    const dialect = dialectOfPath(path);
    if (dialect === null) {
      this.options.metrics?.handshake('not_found');
      return { ok: false, status: 404, message: 'Not Found' };
    }
    const address = this.clientAddress(request);
    const credentials = readGatewayCredentials(request);
    const throttled = await this.options.failedHandshakes.retryAfter(address, credentials?.gatewayId ?? null);
    if (throttled !== null) {
      this.options.metrics?.handshake('throttled');
      return { ok: false, status: 429, message: 'Too Many Requests', headers: { 'Retry-After': String(throttled) } };
    }
    if (!credentials) return this.refuse(address, null, 'missing credentials');
    const gateway = await this.options.authenticate(credentials.gatewayId, credentials.secret);
    if (!gateway) return this.refuse(address, credentials.gatewayId, 'unknown gateway or wrong secret');
    await this.options.failedHandshakes.succeeded(address, credentials.gatewayId);
    this.accepted.set(request, { ...gateway, dialect });
    this.options.metrics?.handshake('accepted');
    return { ok: true };
  }

  /** The gateway `verifyClient` accepted for this upgrade request, if it did. */
  acceptedGateway(request: IncomingMessage): AcceptedGateway | undefined {
    return this.accepted.get(request);
  }

  /** The caller's address: the first `X-Forwarded-For` hop behind a trusted proxy, else the socket's peer. */
  clientAddress(request: IncomingMessage): string {
    if (this.options.trustProxy) {
      const forwarded = request.headers['x-forwarded-for'];
      const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0]?.trim();
      if (first) return first;
    }
    return request.socket.remoteAddress ?? 'unknown';
  }

  private async refuse(address: string, gatewayId: string | null, why: string): Promise<Verdict> {
    // Counted before the answer, so the caller's next handshake already sees this failure.
    await this.options.failedHandshakes.failed(address, gatewayId);
    this.options.logger.warn(
      { gateway_id: gatewayId, remote_address: maskedAddress(address), why },
      'bridge handshake refused',
    );
    this.options.metrics?.handshake('unauthorized');
    return {
      ok: false,
      status: 401,
      message: 'Unauthorized',
      headers: { 'WWW-Authenticate': 'Basic realm="smarthome-bridge"' },
    };
  }
}
