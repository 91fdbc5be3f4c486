import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const SECRET = 'current-secret-that-is-long-enough-0123456789';
const GATEWAY_KEY = 'gateway-key-that-is-long-enough-0123456789ab';

/** The message loadConfig refuses `env` with. */
function refusal(env: Record<string, string>): string {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('the configuration was accepted');
}

describe('configuration errors', () => {
  it('a short JWT_SECRET is named, and its value is not echoed', () => {
    const message = refusal({ JWT_SECRET: 'short-but-secret' });
    expect(message).toContain('JWT_SECRET');
    expect(message).not.toContain('short-but-secret');
    expect(message).toContain('16 characters');
  });

  it('a short GATEWAY_SECRET_KEY is named, and its value is not echoed', () => {
    const message = refusal({ GATEWAY_SECRET_KEY: 'hunter2-gateway' });
    expect(message).toContain('GATEWAY_SECRET_KEY');
    expect(message).not.toContain('hunter2');
  });

  it('a short secret among JWT_PREVIOUS_SECRETS is refused without echoing any of them', () => {
    const message = refusal({ JWT_SECRET: SECRET, JWT_PREVIOUS_SECRETS: `${'a'.repeat(40)},tiny-old-secret` });
    expect(message).toContain('JWT_PREVIOUS_SECRETS');
    expect(message).not.toContain('tiny-old-secret');
    expect(message).not.toContain('a'.repeat(40));
  });

  it('a bad DATABASE_URL is named with its password masked', () => {
    const message = refusal({ DATABASE_URL: 'mysql://app:s3cret-pw@db:3306/x' });
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('mysql://app:***@db:3306/x');
    expect(message).not.toContain('s3cret-pw');
  });

  it('a bad EVENT_STORE_URL is named with its password masked', () => {
    const message = refusal({ EVENT_STORE_URL: 'http://admin:changeit@esdb:2113' });
    expect(message).toContain('EVENT_STORE_URL');
    expect(message).not.toContain('changeit');
  });

  it('a harmless value is still shown, to help find the typo', () => {
    expect(refusal({ PORT: 'eighty' })).toContain('"eighty"');
  });

  it('production refuses to start without GATEWAY_SECRET_KEY, and says why', () => {
    const message = refusal({ NODE_ENV: 'production', JWT_SECRET: SECRET });
    expect(message).toContain('GATEWAY_SECRET_KEY is required when NODE_ENV=production');
    expect(message).toContain('rotating JWT_SECRET');
    expect(message).not.toContain(SECRET);
  });

  it('production starts with the three keys, and refuses to start without DATA_KEY_SECRET', () => {
    const keys = { NODE_ENV: 'production', JWT_SECRET: SECRET, GATEWAY_SECRET_KEY: GATEWAY_KEY };
    expect(loadConfig({ ...keys, DATA_KEY_SECRET: 'd'.repeat(40) }).NODE_ENV).toBe('production');
    expect(refusal(keys)).toContain('DATA_KEY_SECRET');
  });

  it('DATABASE_POOL_MAX is bounded and defaults to 20', () => {
    expect(loadConfig({}).DATABASE_POOL_MAX).toBe(20);
    expect(loadConfig({ DATABASE_POOL_MAX: '5' }).DATABASE_POOL_MAX).toBe(5);
    expect(refusal({ DATABASE_POOL_MAX: '0' })).toContain('DATABASE_POOL_MAX');
    expect(refusal({ DATABASE_POOL_MAX: '100000' })).toContain('DATABASE_POOL_MAX');
  });

  it('CORS_ORIGINS takes exact origins and refuses a path or a wildcard', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }).CORS_ORIGINS).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
    expect(refusal({ CORS_ORIGINS: 'https://app.example.com/path' })).toContain('CORS_ORIGINS');
    expect(refusal({ CORS_ORIGINS: '*' })).toContain('CORS_ORIGINS');
  });
});
