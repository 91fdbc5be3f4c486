import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenService } from '../../src/api/auth/token-service.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const USER_ID = '6f1c1f8e-2a4b-4a53-9a43-6f4a2f9b1c11';
const now = () => Math.floor(Date.now() / 1000);
/** A token signed with the right key, algorithm and issuer, with whatever time claims a test gives it. */
const signed = (claims: Record<string, unknown>) =>
  jwt.sign({ type: 'access', sub: USER_ID, jti: 'j', iss: 'smarthome-cloud', ...claims }, SECRET, {
    algorithm: 'HS256',
    // jsonwebtoken adds `iat` unless told not to, and then drops the one given.
    noTimestamp: claims.iat === undefined,
  });

describe('access tokens', () => {
  const tokens = new TokenService({ secret: SECRET }, 900, 86_400);

  it('an access token without exp is refused', async () => {
    await expect(tokens.verifyAccess(signed({ iat: now() }))).rejects.toThrow('Not an access token');
  });

  it('an access token without iat is refused', async () => {
    await expect(tokens.verifyAccess(signed({ exp: now() + 60 }))).rejects.toThrow('Not an access token');
  });

  it('an access token issued in the future is refused', async () => {
    await expect(tokens.verifyAccess(signed({ iat: now() + 3600, exp: now() + 4000 }))).rejects.toThrow(
      'issued in the future',
    );
  });

  it('an access token that lives longer than the service issues is refused', async () => {
    await expect(tokens.verifyAccess(signed({ iat: now(), exp: now() + 10 * 365 * 86_400 }))).rejects.toThrow(
      'lifetime',
    );
  });

  it('an access token the service signed is accepted', async () => {
    expect(await tokens.verifyAccess(await tokens.signAccess(USER_ID))).toEqual({
      userId: USER_ID,
      expiresAt: expect.any(Number),
      staff: false,
    });
  });

  it("a staff member's access token says so", async () => {
    expect((await tokens.verifyAccess(await tokens.signAccess(USER_ID, { staff: true }))).staff).toBe(true);
  });

  it('a refused user (deactivated) has their valid access token refused', async () => {
    const refusing = new TokenService({ secret: 'x'.repeat(40) }, 900, 3600);
    const token = await refusing.signAccess(USER_ID);
    refusing.refuseUsers((userId) => userId === USER_ID);
    await expect(refusing.verifyAccess(token)).rejects.toThrow(/deactivated/);
  });
});

describe('attempt limits over HTTP', () => {
  let server: TestServer;
  let http: HttpClient;
  let counter = 0;

  beforeAll(async () => {
    server = await startTestServer('pglite', { LOGIN_RATE_LIMIT: '10' });
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  async function register() {
    const email = `limits-${Date.now()}-${counter++}@example.com`;
    const password = 'correct horse battery';
    const response = await http.post('/api/auth/register', { email, password });
    expect(response.status).toBe(201);
    return { email, password, id: response.body.user.id as string, http: http.withToken(response.body.access) };
  }

  it('an access token without exp is refused with 401', async () => {
    const user = await register();
    const forever = jwt.sign(
      { type: 'access', sub: user.id, jti: 'x', iss: 'smarthome-cloud' },
      server.env.JWT_SECRET!,
      { algorithm: 'HS256' },
    );
    const response = await http.withToken(forever).get('/api/auth/profile');
    expect(response.status).toBe(401);
  });

  it('the login limiter lets no more than its limit of 10 wrong passwords through under concurrency', async () => {
    const { email } = await register();
    const answers = await Promise.all(
      Array.from({ length: 30 }, () => http.post('/api/auth/login', { email, password: 'wrong password' })),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(20);
  });

  it('a successful login does not use up an attempt', async () => {
    const { email, password } = await register();
    for (let i = 0; i < 12; i++) expect((await http.post('/api/auth/login', { email, password })).status).toBe(200);
  });

  it('change-password has an attempt limit: 429 with Retry-After after 10 wrong current passwords', async () => {
    const user = await register();
    for (let i = 0; i < 10; i++) {
      const wrong = await user.http.post('/api/auth/change-password', {
        old_password: 'not my password',
        new_password: 'a new password 1',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('wrong_password');
    }
    const limited = await user.http.post('/api/auth/change-password', {
      old_password: user.password,
      new_password: 'a new password 1',
    });
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('change-password attempts are limited under concurrency too, and a right password does not count', async () => {
    const user = await register();
    const changed = await user.http.post('/api/auth/change-password', {
      old_password: user.password,
      new_password: 'the next password',
    });
    expect(changed.status).toBe(204);
    const answers = await Promise.all(
      Array.from({ length: 25 }, () =>
        user.http.post('/api/auth/change-password', { old_password: 'wrong wrong', new_password: 'a new password 2' }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 400)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(15);
  });
});
