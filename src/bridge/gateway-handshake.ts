import type { IncomingMessage } from 'node:http';
import type { VerifyClientCallbackAsync } from 'ws';
import type { Logger } from '../logger.ts';
import type { BridgeMetrics } from './bridge-metrics.ts';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';
import { readGatewayCredentials, redactedUrl } from './gateway-credentials.ts';
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

/** A gateway whose upgrade the handshake let through. */
export interface AcceptedGateway {
  dialect: BridgeDialect;
  gatewayId: string;
  homeId: string;
  /** Revision of the gateway stream the credential check read. */
  revision: number;
}

export interface HandshakeOptions {
  authenticate: GatewayAuthenticator;
  logger: Logger;
  trustProxy: boolean;
  /** Failed handshakes, limited per (gateway id, address) and per address — never per gateway id alone. */
  failedHandshakes: HandshakeThrottle;
  /** Counts handshakes by outcome (none when absent). */
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
    const request = info.req;
    const path = new URL(request.url ?? '/', 'http://bridge.invalid').pathname;
    const dialect = dialectOfPath(path);
    if (dialect === null) {
      this.options.metrics?.handshake('not_found');
      return callback(false, 404, 'Not Found');
    }
    const address = this.clientAddress(request);
    const credentials = readGatewayCredentials(request);
    const throttled = this.options.failedHandshakes.retryAfter(address, credentials?.gatewayId ?? null);
    if (throttled !== null) {
      this.options.metrics?.handshake('throttled');
      return callback(false, 429, 'Too Many Requests', { 'Retry-After': String(throttled) });
    }
    if (!credentials) return this.refuse(callback, address, null, 'missing credentials');
    this.options.authenticate(credentials.gatewayId, credentials.secret).then(
      (gateway) => {
        if (!gateway) return this.refuse(callback, address, credentials.gatewayId, 'unknown gateway or wrong secret');
        this.options.failedHandshakes.succeeded(address, credentials.gatewayId);
        this.accepted.set(request, { ...gateway, dialect });
        this.options.metrics?.handshake('accepted');
        callback(true);
      },
      (error: unknown) => {
        this.options.logger.error({ err: error, url: redactedUrl(request) }, 'gateway authentication failed');
        this.options.metrics?.handshake('error');
        callback(false, 503, 'Service Unavailable');
      },
    );
  };

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

  private refuse(
    callback: Parameters<VerifyClientCallbackAsync>[1],
    address: string,
    gatewayId: string | null,
    why: string,
  ): void {
    this.options.failedHandshakes.failed(address, gatewayId);
    this.options.metrics?.handshake('unauthorized');
    this.options.logger.warn({ gateway_id: gatewayId, remote_address: address, why }, 'bridge handshake refused');
    callback(false, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="smarthome-bridge"' });
  }
}
