import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findJsonBoundsProblem, isStorableText, type JsonBounds } from '../../../src/domain/values/json-bounds.ts';

const bounds: JsonBounds = { maxDepth: 4, maxNodes: 50, maxStringLength: 10 };

/** `levels` objects, one inside the other, around a number. */
function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let level = 0; level < levels; level += 1) value = { a: value };
  return value;
}

describe('json bounds', () => {
  it('accepts a value exactly at the depth bound and refuses one level more, with its path', () => {
    expect(findJsonBoundsProblem(nested(4), bounds)).toBeNull();
    expect(findJsonBoundsProblem(nested(5), bounds)).toMatchObject({ violation: 'too_deep', path: 'a.a.a.a' });
  });

  it('walks a value nested 200,000 deep without overflowing the stack', () => {
    expect(findJsonBoundsProblem(nested(200_000))).toMatchObject({ violation: 'too_deep' });
  });

  it('refuses NUL and lone surrogates in values and keys, and accepts surrogate pairs', () => {
    expect(findJsonBoundsProblem({ name: 'a\u0000b' })).toMatchObject({ violation: 'nul_character', path: 'name' });
    expect(findJsonBoundsProblem({ ['\ud800']: 1 })).toMatchObject({ violation: 'lone_surrogate' });
    expect(findJsonBoundsProblem(['ok', '\udc00x'])).toMatchObject({ violation: 'lone_surrogate', path: '1' });
    expect(findJsonBoundsProblem({ emoji: '😀' })).toBeNull();
    expect(isStorableText('plain')).toBe(true);
  });

  it('counts values and string lengths', () => {
    expect(
      findJsonBoundsProblem(
        Array.from({ length: 60 }, () => 0),
        bounds,
      ),
    ).toMatchObject({ violation: 'too_many_values' });
    expect(findJsonBoundsProblem({ s: 'x'.repeat(11) }, bounds)).toMatchObject({
      violation: 'string_too_long',
      path: 's',
    });
  });

  it('refuses what JSON cannot carry', () => {
    expect(findJsonBoundsProblem({ n: Number.POSITIVE_INFINITY })).toMatchObject({ violation: 'not_json', path: 'n' });
    expect(findJsonBoundsProblem({ f: () => 1 })).toMatchObject({ violation: 'not_json' });
  });

  it('never throws, and accepts exactly the parsed JSON texts that are shallow, small and storable', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6, stringUnit: 'grapheme' }), (value) => {
        const parsed = JSON.parse(JSON.stringify(value)) as unknown;
        expect(findJsonBoundsProblem(parsed) === null).toBe(!JSON.stringify(value).includes('\\u0000'));
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(() => findJsonBoundsProblem(text)).not.toThrow();
        expect(findJsonBoundsProblem(text) === null).toBe(isStorableText(text) && text.length <= 64 * 1024);
      }),
      { numRuns: 300 },
    );
  });
});
