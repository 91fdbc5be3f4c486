import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSecretDerivedField, isSecretDerivedValue, redactEventData } from '../../src/audit/redaction.ts';
import { isAbout, streamSubjectId } from '../../src/audit/audit-scope.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';

describe('audit redaction for HTTP', () => {
  it('drops password hashes, secret digests and any hash-like field, at any depth', () => {
    expect(
      redactEventData({
        user_id: 'u',
        password_hash: 'c2NyeXB0…',
        secret_digest: 'abc',
        nested: [{ token_digest: 'x', keep: 1, passwordHash: 'y' }],
      }),
    ).toEqual({ user_id: 'u', nested: [{ keep: 1 }] });
  });
});

/** The recursive redaction the audit projection used before (the oracle for the iterative one). */
function recursiveRedaction(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => !isSecretDerivedValue(item)).map(recursiveRedaction);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key, inner]) => !isSecretDerivedField(key) && !isSecretDerivedValue(inner))
      .map(([key, inner]) => [key, recursiveRedaction(inner)]),
  );
}

const secretish = fc.constantFrom(
  'password_hash',
  'secret_digest',
  'token_digest',
  'Fingerprint',
  'digest',
  '__proto__',
  'name',
  'home_id',
);
const secretValue = fc.constantFrom(`hmac-sha256:${'a'.repeat(64)}`, 'c2NyeXB0AAAA', 'plain');
const eventData = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }),
    secretValue,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), secretish), tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('audit redaction, iterative', () => {
  it('redacts random event data exactly as the recursive redaction did', () => {
    fc.assert(
      fc.property(eventData, (value) => {
        const redacted = redactEventData(value);
        expect(redacted).toStrictEqual(recursiveRedaction(value));
        expect(JSON.stringify(redacted)).toBe(JSON.stringify(recursiveRedaction(value)));
      }),
      { numRuns: 2000 },
    );
  });

  it('metadata nested 3,000 deep no longer overflows the stack in the redaction (it poisoned audit_index)', () => {
    let metadata: unknown = { secret_digest: 'x', keep: 1 };
    for (let level = 0; level < 1500; level++) metadata = { rooms: [metadata] }; // 3,000 levels
    const redacted = JSON.stringify(redactEventData({ metadata }));
    expect(redacted).not.toContain('secret_digest');
    expect(redacted).toContain('"keep":1');
  });

  it('redaction of a 100,000-deep value does not overflow', () => {
    let value: unknown = { password_hash: 'c2NyeXB0…', leaf: true };
    for (let level = 0; level < 100_000; level++)
      value = level % 2 === 0 ? { a: value } : [value, `hmac-sha256:${level}`];
    let redacted = redactEventData(value);
    let depth = 0;
    while (typeof redacted === 'object' && redacted !== null && !('leaf' in redacted)) {
      redacted = Array.isArray(redacted)
        ? (expect(redacted).toHaveLength(1), redacted[0])
        : (redacted as { a: unknown }).a;
      depth += 1;
    }
    expect(depth).toBe(100_000);
    expect(redacted).toEqual({ leaf: true });
  });

  it('a cycle (never in event data, possible in memory) does not loop', () => {
    const cyclic: Record<string, unknown> = { keep: 1 };
    cyclic.self = cyclic;
    const redacted = redactEventData(cyclic) as Record<string, unknown>;
    expect(redacted.self).toBe(redacted);
  });
});

describe('audit scope', () => {
  const event = (streamName: string, data: Record<string, unknown>) =>
    ({ streamName, data }) as unknown as RecordedEvent;
  it('finds the subject of `<kind>-<id>` streams and events naming an id in home_id, gateway_id or user_id', () => {
    const id = '6f1c1a52-8a4e-4f7e-9d8e-0a1b2c3d4e5f';
    expect(streamSubjectId(`gateway_telemetry-${id}`)).toBe(id);
    const ids = new Set([id]);
    expect(isAbout(event(`home-${id}`, {}), ids)).toBe(true);
    expect(isAbout(event('remote_command-1', { gateway_id: id }), ids)).toBe(true);
    expect(isAbout(event('email-abc', { user_id: id }), ids)).toBe(true);
    expect(isAbout(event('user-other', { name: id }), ids)).toBe(false);
  });
});
