import { describe, expect, it } from 'vitest';
import { scrubLogLine, serializeErrorWithoutQueryDetail } from '../../src/log-hygiene.ts';

describe('log hygiene', () => {
  it('a driver error loses the failed query and its parameters, also in nested errors', () => {
    const error = Object.assign(new Error('insert failed'), {
      query: 'select es_append($1)',
      params: ['{"password_hash":"c2NyeXB0AAAA"}'],
      bindings: ['x'],
      code: '23505',
      inner: Object.assign(new Error('inner'), { sql: 'select 1', parameters: ['y'] }),
    });
    const serialized = serializeErrorWithoutQueryDetail(error) as Record<string, unknown>;
    expect(serialized).toMatchObject({ message: 'insert failed', code: '23505' });
    expect(JSON.stringify(serialized)).not.toMatch(/es_append|password_hash|select 1|"y"/);
  });

  it('an error that refers to itself does not hang the serializer', () => {
    const error = new Error('cyclic') as Error & { self?: unknown; holder?: { error: unknown; params: string[] } };
    error.holder = { error, params: ['secret'] };
    const serialized = serializeErrorWithoutQueryDetail(error);
    expect(serialized).toMatchObject({ message: 'cyclic' });
  });

  it('a line that quotes a digest, a scrypt hash or a JWT is scrubbed', () => {
    const line = JSON.stringify({
      msg: 'failed: hmac-sha256:0123abcdef and c2NyeXB0AA8AAAAI+/= and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    });
    const scrubbed = scrubLogLine(line);
    expect(scrubbed).not.toMatch(/0123abcdef|c2NyeXB0|eyJ/);
    expect(JSON.parse(scrubbed).msg).toBe(
      'failed: hmac-sha256:[redacted] and [redacted scrypt hash] and [redacted token]',
    );
  });

  it('an ordinary line is left as it is', () => {
    const line = '{"level":30,"msg":"request","path":"/api/homes"}\n';
    expect(scrubLogLine(line)).toBe(line);
  });
});
