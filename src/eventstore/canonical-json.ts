/**
 * Canonical JSON: object keys sorted (by UTF-16 code units, as JavaScript sorts strings), no whitespace, `undefined`
 * members left out (as JSON.stringify does). Two values that mean the same JSON always encode to the same string,
 * so a hash over the encoding survives a round trip through jsonb (which reorders keys) or any JSON parser.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot encode ${value} as JSON`);
      return JSON.stringify(value);
    case 'object': {
      if (value instanceof Date) return JSON.stringify(value.toISOString());
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
      const entries = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`Cannot encode a ${typeof value} as JSON`);
  }
}
