import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUser, type TestUser } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const PASSWORD = 'correct horse battery';

// In memory (no REDIS_URL): the same keys as in Redis (test/limits/shared-limits.test.ts covers the sharing).
// LOGIN_RATE_LIMIT 2: 2 failures per (e-mail, address), 10 per address, 20 per e-mail from all addresses.
describe('login lockout is keyed by e-mail and address together', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { LOGIN_RATE_LIMIT: '2', TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await server.stop();
  });

  const login = (user: TestUser, password: string, address: string) =>
    new HttpClient(server.url).request(
      'POST',
      '/api/auth/login',
      { email: user.email, password },
      { 'x-forwarded-for': address },
    );

  it("a stranger's wrong passwords from their own address do not lock the owner out", async () => {
    const owner = await registerUser(server, 'owner');
    for (let i = 0; i < 2; i++) expect((await login(owner, 'wrong', '203.0.113.9')).status).toBe(401);
    expect((await login(owner, PASSWORD, '203.0.113.9')).status).toBe(429);
    expect((await login(owner, PASSWORD, '198.51.100.7')).status).toBe(200);
  });

  it('a right password from an address forgives that address its failures for the account', async () => {
    const owner = await registerUser(server, 'owner');
    expect((await login(owner, 'wrong', '198.51.100.8')).status).toBe(401);
    expect((await login(owner, PASSWORD, '198.51.100.8')).status).toBe(200);
    for (let i = 0; i < 2; i++) expect((await login(owner, 'wrong', '198.51.100.8')).status).toBe(401);
    expect((await login(owner, 'wrong', '198.51.100.8')).status).toBe(429);
  });

  it('guessing one account from many addresses stops at 10× the per-pair limit (distributed guessing)', async () => {
    const owner = await registerUser(server, 'owner');
    for (let address = 1; address <= 10; address++) {
      for (let i = 0; i < 2; i++) expect((await login(owner, 'wrong', `192.0.2.${address}`)).status).toBe(401);
    }
    // 20 failures for this e-mail: an address that never failed is refused for it too (the documented trade-off)…
    expect((await login(owner, 'wrong', '192.0.2.200')).status).toBe(429);
    // …while other accounts from those addresses are untouched below the per-address cap (5× = 10; each has 2).
    const other = await registerUser(server, 'other');
    expect((await login(other, PASSWORD, '192.0.2.1')).status).toBe(200);
  });

  it('one address guessing many accounts stops at 5× the per-pair limit', async () => {
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => registerUser(server, `user${i}`)));
    for (const user of users.slice(0, 5)) {
      for (let i = 0; i < 2; i++) expect((await login(user, 'wrong', '203.0.113.50')).status).toBe(401);
    }
    expect((await login(users[5]!, PASSWORD, '203.0.113.50')).status).toBe(429);
  });
});

describe('login when the Redis of the shared limits is unreachable', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Port 1: nothing listens there. The server starts anyway (after a bounded wait) and fails open.
    server = await startTestServer('pglite', { LOGIN_RATE_LIMIT: '2', REDIS_URL: 'redis://127.0.0.1:1' });
  });
  afterAll(async () => {
    await server.stop();
  });

  it('answers logins (no 500) and still limits wrong passwords, per process', async () => {
    const owner = await registerUser(server, 'owner');
    const client = new HttpClient(server.url);
    expect((await client.post('/api/auth/login', { email: owner.email, password: PASSWORD })).status).toBe(200);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      statuses.push((await client.post('/api/auth/login', { email: owner.email, password: 'wrong' })).status);
    }
    expect(statuses).toEqual([401, 401, 429]);
  });
});
