import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ownerWithGateway, registerUser } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ALLOWED = 'https://app.example.com';

describe('HTTP policy: security headers, no-store, CORS', () => {
  let server: TestServer;
  let plain: TestServer;
  beforeAll(async () => {
    [server, plain] = await Promise.all([
      startTestServer('pglite', { CORS_ORIGINS: `${ALLOWED},http://localhost:5173`, TRUST_PROXY: 'true' }),
      startTestServer('pglite'),
    ]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), plain?.stop()]);
  });

  it('every answer carries nosniff, frame deny and no-referrer, and no CSP', async () => {
    for (const path of ['/healthz', '/api/auth/profile', '/api/no-such-route']) {
      const { headers } = await new HttpClient(plain.url).get(path);
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('x-frame-options'), path).toBe('DENY');
      expect(headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(headers.get('content-security-policy'), path).toBeNull();
    }
  });

  it('HSTS is sent behind a TLS-terminating proxy (TRUST_PROXY) and never over plain HTTP by default', async () => {
    expect((await new HttpClient(server.url).get('/healthz')).headers.get('strict-transport-security')).toContain(
      'max-age=31536000',
    );
    expect((await new HttpClient(plain.url).get('/healthz')).headers.get('strict-transport-security')).toBeNull();
  });

  it('a token, a gateway secret or a pairing code is never stored by a cache', async () => {
    const owner = await registerUser(plain, 'nostore');
    const login = await new HttpClient(plain.url).post('/api/auth/login', {
      email: owner.email,
      password: 'correct horse battery',
    });
    const refresh = await new HttpClient(plain.url).post('/api/auth/refresh', { refresh: login.body.refresh });
    const { gatewayId, user } = await ownerWithGateway(plain, 'nostore-gw');
    const rotate = await user.post(`/api/gateways/${gatewayId}/rotate-secret`);
    const pairing = await owner.http.post('/api/gateways/request-pairing/', { name: 'Attic' });
    const failedLogin = await new HttpClient(plain.url).post('/api/auth/login', { email: owner.email, password: 'x' });
    for (const [name, response] of Object.entries({ login, refresh, rotate, pairing, failedLogin })) {
      expect(response.status, `${name}: ${JSON.stringify(response.body)}`).toBeLessThan(500);
      expect(response.headers.get('cache-control'), name).toBe('no-store');
      expect(response.headers.get('pragma'), name).toBe('no-cache');
    }
    expect([login.status, refresh.status, rotate.status, pairing.status]).toEqual([200, 200, 200, 201]);
  });

  it('an allowed origin gets its CORS headers, without credentials', async () => {
    const { headers } = await new HttpClient(server.url).request('GET', '/healthz', undefined, { origin: ALLOWED });
    expect(headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(headers.get('access-control-allow-credentials')).toBeNull();
    expect(headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(headers.get('vary')).toContain('Origin');
  });

  it('a preflight from an allowed origin is answered 204 with methods and headers', async () => {
    const response = await new HttpClient(server.url).request('OPTIONS', '/api/auth/login', undefined, {
      origin: ALLOWED,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')).toContain('Authorization');
  });

  it('an origin not on the list gets no CORS headers, on a call or a preflight', async () => {
    const client = new HttpClient(server.url);
    const call = await client.request('GET', '/healthz', undefined, { origin: 'https://evil.example.com' });
    const preflight = await client.request('OPTIONS', '/api/auth/login', undefined, {
      origin: 'https://app.example.com.evil.example.com',
      'access-control-request-method': 'POST',
    });
    for (const response of [call, preflight]) expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('without CORS_ORIGINS no answer carries a CORS header, even for a preflight', async () => {
    const response = await new HttpClient(plain.url).request('OPTIONS', '/api/auth/login', undefined, {
      origin: ALLOWED,
      'access-control-request-method': 'POST',
    });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-methods')).toBeNull();
  });
});
