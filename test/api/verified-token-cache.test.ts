import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidTokenError, TokenService } from '../../src/api/auth/token-service.ts';

/** Access tokens are verified once per token text and then kept; expiry and deactivation must still bite. */
describe('verified access tokens', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a token that verified before, once it has expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const tokens = new TokenService({ secret: 'x'.repeat(32) }, 60, 3600);
    const userId = randomUUID();
    const token = await tokens.signAccess(userId);
    expect((await tokens.verifyAccess(token)).userId).toBe(userId);
    vi.setSystemTime(Date.now() + 61_000);
    await expect(tokens.verifyAccess(token)).rejects.toThrow(new InvalidTokenError('Token expired'));
  });

  it('refuses a token that verified before, once its user is deactivated', async () => {
    const tokens = new TokenService({ secret: 'x'.repeat(32) }, 900, 3600);
    const userId = randomUUID();
    const token = await tokens.signAccess(userId);
    await tokens.verifyAccess(token);
    const refused = new Set<string>();
    tokens.refuseUsers((id) => refused.has(id));
    refused.add(userId);
    await expect(tokens.verifyAccess(token)).rejects.toThrow('This account is deactivated');
  });

  it('still refuses a tampered token after the genuine one was verified', async () => {
    const tokens = new TokenService({ secret: 'x'.repeat(32) }, 900, 3600);
    const token = await tokens.signAccess(randomUUID());
    await tokens.verifyAccess(token);
    const [header, payload, signature] = token.split('.');
    const other = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), sub: randomUUID() }),
    );
    await expect(tokens.verifyAccess(`${header}.${other.toString('base64url')}.${signature}`)).rejects.toThrow(
      InvalidTokenError,
    );
  });
});
