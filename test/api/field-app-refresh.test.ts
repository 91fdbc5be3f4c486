import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const PASSWORD = 'correct horse battery';
const APP_USER_AGENT = 'okhttp/4.9.2';

/** The mobile app's interceptor (src/api/cloudClient.ts): `{refresh}` with the token it got at login, keeping only `access`. */
const appRefresh = (http: HttpClient, refresh: string) =>
  http.post('/api/auth/token/refresh/', { refresh }, { 'user-agent': APP_USER_AGENT });

async function appLogin(server: TestServer): Promise<{ refresh: string; family: string }> {
  const http = new HttpClient(server.url);
  const email = `app-${randomUUID().slice(0, 8)}@example.com`;
  expect((await http.post('/api/auth/register', { email, password: PASSWORD })).status).toBe(201);
  const login = await http.post('/api/auth/login', { email, password: PASSWORD });
  expect(login.status).toBe(200);
  return { refresh: login.body.refresh as string, family: (jwt.decode(login.body.refresh) as { fam: string }).fam };
}

describe.each(serverTargets())('refresh tokens the field app does not rotate (%s)', (target) => {
  let server: TestServer;
  let http: HttpClient;
  beforeAll(async () => {
    server = await startTestServer(target);
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('the app presenting its first refresh token again and again stays signed in, each time recorded with address and user agent', async () => {
    const { refresh, family } = await appLogin(server);
    for (let presentation = 1; presentation <= 4; presentation++) {
      const refreshed = await appRefresh(http, refresh);
      expect(refreshed.status, `presentation ${presentation}: ${JSON.stringify(refreshed.body)}`).toBe(200);
      expect((await http.withToken(refreshed.body.access).get('/api/auth/profile')).status).toBe(200);
    }
    const events = await server.stores.eventStore.readStream(`refresh_family-${family}`);
    expect(events.map((event) => event.type)).toEqual([
      'UserLoggedIn',
      'RefreshTokenRotated',
      'RefreshTokenRepresented',
      'RefreshTokenRepresented',
      'RefreshTokenRepresented',
    ]);
    const represented = events.filter((event) => event.type === 'RefreshTokenRepresented');
    for (const event of represented) {
      expect(event.data).toMatchObject({
        token_id: (jwt.decode(refresh) as { jti: string }).jti,
        user_agent: APP_USER_AGENT,
      });
      expect(typeof event.data.client_address).toBe('string');
    }
    // Each re-presentation replaced the successor issued just before it.
    expect(represented[1]!.data.replaced_token_id).toBe(represented[0]!.data.new_token_id);
  });

  it('once a successor was presented, the first token coming back revokes the family (401 token_revoked)', async () => {
    const { refresh } = await appLogin(server);
    expect((await appRefresh(http, refresh)).status).toBe(200);
    const again = await appRefresh(http, refresh);
    expect(again.status).toBe(200);
    const successor = await appRefresh(http, again.body.refresh);
    expect(successor.status).toBe(200);
    const stolen = await appRefresh(http, refresh);
    expect(stolen.status).toBe(401);
    expect(stolen.body.error.code).toBe('token_revoked');
    expect((await appRefresh(http, successor.body.refresh)).status, 'the whole family is dead').toBe(401);
  });

  it('a successor replaced by a re-presentation is dead: presenting it revokes the family', async () => {
    const { refresh } = await appLogin(server);
    const first = await appRefresh(http, refresh);
    expect((await appRefresh(http, refresh)).status).toBe(200);
    expect((await appRefresh(http, first.body.refresh)).status).toBe(401);
    expect((await appRefresh(http, refresh)).status).toBe(401);
  });
});

describe('REFRESH_TOKEN_REUSE=strict restores reuse detection on the second presentation', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { REFRESH_TOKEN_REUSE: 'strict' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("the app's second presentation of its first token revokes the family", async () => {
    const http = new HttpClient(server.url);
    const { refresh, family } = await appLogin(server);
    const first = await appRefresh(http, refresh);
    expect(first.status).toBe(200);
    const second = await appRefresh(http, refresh);
    expect(second.status).toBe(401);
    expect(second.body.error.code).toBe('token_revoked');
    expect((await appRefresh(http, first.body.refresh)).status).toBe(401);
    const types = (await server.stores.eventStore.readStream(`refresh_family-${family}`)).map((event) => event.type);
    expect(types).toEqual(['UserLoggedIn', 'RefreshTokenRotated', 'RefreshTokenReuseDetected']);
  });
});
