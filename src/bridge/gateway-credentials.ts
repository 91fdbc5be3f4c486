import type { IncomingMessage } from 'node:http';

export interface GatewayCredentials {
  gatewayId: string;
  secret: string;
}

/** `Authorization: Basic base64(gateway_id:secret)`, or the seed's `?gateway_id=…&secret=…`. */
export function readGatewayCredentials(request: IncomingMessage): GatewayCredentials | null {
  const header = request.headers.authorization;
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice('Basic '.length).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return null;
    return { gatewayId: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
  }
  const url = new URL(request.url ?? '/', 'http://bridge.invalid');
  const gatewayId = url.searchParams.get('gateway_id');
  const secret = url.searchParams.get('secret');
  return gatewayId && secret ? { gatewayId, secret } : null;
}

/** The request path with the query string's secret removed, safe to log. */
export function redactedUrl(request: IncomingMessage): string {
  const url = new URL(request.url ?? '/', 'http://bridge.invalid');
  if (url.searchParams.has('secret')) url.searchParams.set('secret', '[redacted]');
  return `${url.pathname}${url.search}`;
}
