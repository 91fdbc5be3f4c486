import { stdSerializers } from 'pino';

/**
 * What a log line must never carry, whatever logged it. Database drivers attach the failed statement and its
 * parameters to their errors (PGlite: `query`, `params`; pg: `where`, `internalQuery`; knex: `sql`, `bindings`),
 * and a failed append's parameters are events: password hashes and secret digests.
 */
const QUERY_DETAIL_KEYS = [
  'params',
  'parameters',
  'bindings',
  'query',
  'queryOptions',
  'sql',
  'internalQuery',
  'where',
  'detail',
];

const MAX_OBJECTS_CLEANED = 100;

interface SerializedError {
  [key: string]: unknown;
  aggregateErrors?: SerializedError[];
}

/** pino's error serializer without the failed query's text and parameters (nested errors included). */
export function serializeErrorWithoutQueryDetail(error: unknown): unknown {
  const serialized = stdSerializers.err(error as Error) as unknown;
  if (serialized === null || typeof serialized !== 'object') return serialized;
  const pending: SerializedError[] = [serialized as SerializedError];
  // Bounded and cycle-safe: a driver error may hold its connection, which holds the error again.
  const seen = new Set<SerializedError>();
  while (pending.length > 0 && seen.size < MAX_OBJECTS_CLEANED) {
    const current = pending.pop()!;
    if (seen.has(current)) continue;
    seen.add(current);
    for (const key of QUERY_DETAIL_KEYS) delete current[key];
    for (const value of Object.values(current)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) pending.push(value as SerializedError);
    }
    if (Array.isArray(current.aggregateErrors)) pending.push(...current.aggregateErrors);
  }
  return serialized;
}

/**
 * The last line of defence, on the text of every line: a secret digest, a scrypt hash or a JWT that reached a
 * message (a driver's error text quoting a value, a stack) is cut out. The `includes` pre-check keeps the common
 * line at three substring searches.
 */
const SECRET_PATTERNS: ReadonlyArray<readonly [marker: string, pattern: RegExp, replacement: string]> = [
  ['hmac-sha256:', /hmac-sha256:[0-9a-fA-F]+/g, 'hmac-sha256:[redacted]'],
  // scrypt-kdf hashes are base64 of a buffer that starts with "scrypt".
  ['c2NyeXB0', /c2NyeXB0[A-Za-z0-9+/=]*/g, '[redacted scrypt hash]'],
  ['eyJ', /eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*/g, '[redacted token]'],
];

export function scrubLogLine(line: string): string {
  let scrubbed = line;
  for (const [marker, pattern, replacement] of SECRET_PATTERNS) {
    if (scrubbed.includes(marker)) scrubbed = scrubbed.replace(pattern, replacement);
  }
  return scrubbed;
}

/**
 * A client address as logs keep it: an IPv4 address without its last octet (`203.0.113.0`), an IPv6 address cut
 * to its first three groups (`2001:db8:1::`). Logs cannot be crypto-shredded, so they never hold a full address:
 * enough to see a network misbehave, not to name a household.
 */
export function maskedAddress(address: string | undefined | null): string | null {
  if (!address) return null;
  const mapped = address.startsWith('::ffff:') ? address.slice(7) : address;
  const v4 = /^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$/.exec(mapped);
  if (v4) return `${v4[1]}.0`;
  if (mapped.includes(':')) return `${mapped.split(':').slice(0, 3).join(':')}::`;
  return '[masked]';
}
