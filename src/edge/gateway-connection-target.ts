/**
 * Where and how a gateway authenticates. `query` is the seed contract (`/bridge/?gateway_id=&secret=`);
 * `basic` sends `Authorization: Basic base64(gateway_id:secret)`, which keeps the secret out of URLs and
 * proxy logs.
 */
export type GatewayAuthMode = 'query' | 'basic';

export interface GatewayConnectionTarget {
  url: string;
  headers: Record<string, string>;
}

export function gatewayConnectionTarget(input: {
  url: string;
  path: string;
  gatewayId: string;
  secret: string;
  auth: GatewayAuthMode;
}): GatewayConnectionTarget {
  const url = new URL(input.path, input.url);
  if (input.auth === 'query') {
    url.searchParams.set('gateway_id', input.gatewayId);
    url.searchParams.set('secret', input.secret);
    return { url: url.toString(), headers: {} };
  }
  const credentials = Buffer.from(`${input.gatewayId}:${input.secret}`, 'utf8').toString('base64');
  return { url: url.toString(), headers: { Authorization: `Basic ${credentials}` } };
}
