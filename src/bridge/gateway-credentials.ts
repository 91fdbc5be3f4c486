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
  const query = rawQueryOf(request.url ?? '/');
  const gatewayId = queryValue(query, 'gateway_id');
  const secret = queryValue(query, 'secret');
  return gatewayId && secret ? { gatewayId, secret } : null;
}

function rawQueryOf(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return '';
  const end = url.indexOf('#', start);
  return url.slice(start + 1, end < 0 ? undefined : end);
}

/**
 * A query value read the way a secret needs it: field edges put the secret in the URL without encoding it, so a
 * `+` is a plus (form decoding would make it a space) and an `=` after the first belongs to the value. Percent
 * escapes are still decoded; a value that is not valid percent-encoding is taken as it came.
 */
function queryValue(query: string, name: string): string | null {
  for (const part of query.split('&')) {
    const equals = part.indexOf('=');
    if (equals < 0 || decodeLeniently(part.slice(0, equals)) !== name) continue;
    return decodeLeniently(part.slice(equals + 1));
  }
  return null;
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The request path with the query string's secret removed, safe to log. */
export function redactedUrl(request: IncomingMessage): string {
  const url = new URL(request.url ?? '/', 'http://bridge.invalid');
  if (url.searchParams.has('secret')) url.searchParams.set('secret', '[redacted]');
  return `${url.pathname}${url.search}`;
}
