import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/eventstore/canonical-json.ts';
import { chainHash, GENESIS_HASH } from '../../src/eventstore/hash-chain.ts';

/** The recursive encoder every existing hash chain was computed with (kept here verbatim as the oracle). */
function recursiveCanonicalJson(value: unknown): string {
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
      if (Array.isArray(value))
        return `[${value.map((item) => (item === undefined ? 'null' : recursiveCanonicalJson(item))).join(',')}]`;
      const entries = Object.keys(value)
        .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
        .sort()
        .map((key) => `${JSON.stringify(key)}:${recursiveCanonicalJson((value as Record<string, unknown>)[key])}`);
      return `{${entries.join(',')}}`;
    }
    default:
      throw new TypeError(`Cannot encode a ${typeof value} as JSON`);
  }
}

/** JSON.stringify with every object's keys sorted by code units (an object would reorder integer-like keys). */
function sortedKeysStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedKeysStringify).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${sortedKeysStringify(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function nested(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? { a: value } : [value];
  return value;
}

/** What events carry, plus what in-process values may hold: undefined members, Dates, -0, odd keys. */
const eventLikeValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 3 }),
    fc.date({ noInvalidDate: true }),
    fc.constantFrom(-0, 1e21, 5e-324, '__proto__', '\u2028', '😀'),
    fc.array(fc.oneof(tie('value'), fc.constant(undefined)), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string(), fc.constantFrom('__proto__', '10', '9', 'a', 'B', 'é')),
      fc.oneof(tie('value'), fc.constant(undefined)),
      {
        maxKeys: 5,
      },
    ),
  ),
})).value;

describe('canonical JSON, iterative', () => {
  it('encodes every value byte for byte as the recursive encoder did (existing hash chains still verify)', () => {
    fc.assert(
      fc.property(eventLikeValue, (value) => {
        expect(canonicalJson(value)).toBe(recursiveCanonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('encodes values nested around the fast path depth limit as the recursive encoder did', () => {
    fc.assert(
      fc.property(fc.integer({ min: 55, max: 75 }), eventLikeValue, (depth, leaf) => {
        const value = { sibling: leaf, deep: nested(depth, leaf), after: [leaf] };
        expect(canonicalJson(value)).toBe(recursiveCanonicalJson(value));
      }),
      { numRuns: 300 },
    );
  });

  it('is JSON.stringify with sorted keys for JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(sortedKeysStringify(value));
        expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 1000 },
    );
  });

  it('remote-command params nested 5,000 deep do not throw RangeError (they gave a 500)', () => {
    const params = nested(5000);
    const encoded = canonicalJson(params);
    expect(encoded).toBe(`${'[{"a":'.repeat(2500)}1${'}]'.repeat(2500)}`);
  });

  it('a 100,000-deep value is encoded, and the hash chain can link an event carrying it', () => {
    const deep = nested(100_000, 'leaf');
    // Far past any stack the recursive encoder could use, however well the JIT has shrunk its frames.
    expect(() => recursiveCanonicalJson(deep)).toThrow(RangeError);
    const encoded = canonicalJson(deep);
    expect(encoded).toBe(`${'[{"a":'.repeat(50_000)}"leaf"${'}]'.repeat(50_000)}`);
    expect(
      chainHash(GENESIS_HASH, { type: 'HomeMetadataSynced', data: { metadata: deep as never }, metadata: {} }),
    ).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a cycle with a TypeError instead of looping or overflowing', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    expect(() => canonicalJson(cyclic)).toThrow(TypeError);
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"x":1},"b":[{"x":1},{"x":1}]}');
  });

  it('refuses what JSON cannot carry, as before', () => {
    for (const bad of [Number.NaN, Infinity, { f: () => 1 }, [1n], undefined, Symbol('s')]) {
      expect(() => canonicalJson(bad)).toThrow(TypeError);
    }
  });
});
