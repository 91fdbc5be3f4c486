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

/**
 * The cloud URLs a gateway may connect to, in the order it tries them: an array, or one string with URLs separated
 * by commas (`ws://a:8000,ws://b:8000`, as the CLI's `--url` takes them). Blanks are dropped; at least one is
 * required. Each is checked here, so a typo stops the client at once instead of failing every attempt.
 */
export function cloudUrls(url: string | readonly string[]): string[] {
  const urls = (typeof url === 'string' ? url.split(',') : [...url]).map((each) => each.trim()).filter(Boolean);
  if (urls.length === 0) throw new TypeError('No cloud URL given');
  for (const each of urls) new URL(each);
  return urls;
}
