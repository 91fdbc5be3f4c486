import { describe, expect, it } from 'vitest';
import { redactEventData } from '../../src/audit/redaction.ts';
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

describe('audit scope', () => {
  const event = (streamName: string, data: Record<string, unknown>) => ({ streamName, data }) as unknown as RecordedEvent;
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
