import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

let counter = 0;
const uniqueEmail = () => `user${Date.now()}${counter++}@example.com`;

for (const target of serverTargets()) {
  describe(`accounts over HTTP (${target})`, () => {
    let server: TestServer;
    let http: HttpClient;

    beforeAll(async () => {
      server = await startTestServer(target, { LOGIN_RATE_LIMIT: '3' });
      http = new HttpClient(server.url);
    });
    afterAll(async () => {
      await server?.stop();
    });

    /** Events in the log, through the port (the log is not in SQL on EventStoreDB). */
    async function eventCount(): Promise<number> {
      let count = 0;
      let after: string | null = null;
      for (;;) {
        const page = await server.stores.eventStore.readAll({ after, maxCount: 1000 });
        count += page.length;
        if (page.length < 1000) return count;
        after = page[page.length - 1]!.position;
      }
    }

    async function register(email = uniqueEmail(), password = 'correct horse') {
      const response = await http.post('/api/auth/register', { email, password, name: 'Ann' });
      expect(response.status).toBe(201);
      return { email, password, ...response.body };
    }

    it('registers: 201 with the profile, tokens and homes; the e-mail is normalised', async () => {
      const email = uniqueEmail();
      const response = await http.post('/api/auth/register/', {
        email: `  ${email.toUpperCase()} `,
        password: 'password1',
        first_name: 'Ann',
        last_name: 'Lee',
      });
      expect(response.status).toBe(201);
      expect(response.body.user).toMatchObject({ email, name: 'Ann Lee' });
      expect(response.body.user.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body.homes).toEqual([]);
      const claims = jwt.decode(response.body.access) as Record<string, unknown>;
      expect(claims).toMatchObject({ sub: response.body.user.id, type: 'access' });
      expect(claims.jti).toBeTruthy();
      expect(claims.exp).toBeGreaterThan(claims.iat as number);
      const refreshClaims = jwt.decode(response.body.refresh) as Record<string, unknown>;
      expect(refreshClaims).toMatchObject({ type: 'refresh', sub: response.body.user.id });
      expect(refreshClaims.fam).toBeTruthy();
    });

    it('the password never enters the log; only a scrypt hash does', async () => {
      const { password, user } = await register(uniqueEmail(), 'a-very-unique-password-123');
      const events = await server.stores.eventStore.readStream(`user-${user.id}`);
      const text = JSON.stringify(events);
      expect(text).not.toContain(password);
      expect(events.find((e) => e.type === 'UserRegistered')!.data.password_hash).toMatch(/^c2NyeXB0/);
    });

    it('two concurrent registrations of one e-mail: exactly one 201 and one 409', async () => {
      const email = uniqueEmail();
      const results = await Promise.all([
        http.post('/api/auth/register', { email, password: 'password1' }),
        http.post('/api/auth/register', { email: email.toUpperCase(), password: 'password2' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
      expect(results.find((r) => r.status === 409)!.body.error.code).toBe('email_taken');
      const users = await server.stores.readModels.knex('users').where({ email });
      expect(users).toHaveLength(1);
    });

    it('logs in with e-mail and password; wrong e-mail and wrong password both answer the same 401', async () => {
      const { email, password, user } = await register();
      const ok = await http.post('/api/auth/login', { email: email.toUpperCase(), password });
      expect(ok.status).toBe(200);
      expect(ok.body.user.id).toBe(user.id);
      expect(ok.body.homes).toEqual([]);
      const wrongPassword = await http.post('/api/auth/login', { email, password: 'not the password' });
      const wrongEmail = await http.post('/api/auth/login', { email: uniqueEmail(), password });
      expect(wrongPassword.status).toBe(401);
      expect(wrongEmail.status).toBe(401);
      expect(wrongPassword.body).toEqual(wrongEmail.body);
      expect(wrongPassword.headers.get('www-authenticate')).toContain('Bearer');
    });

    it('rate-limits failed logins per e-mail with 429 and Retry-After', async () => {
      const { email, password } = await register();
      for (let i = 0; i < 3; i++)
        expect((await http.post('/api/auth/login', { email, password: 'wrong-password' })).status).toBe(401);
      const limited = await http.post('/api/auth/login', { email, password });
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('rate_limited');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('refresh rotates: once the new token was used, the old one coming back is theft and kills the family', async () => {
      const { refresh } = await register();
      const rotated = await http.post('/api/auth/refresh', { refresh });
      expect(rotated.status).toBe(200);
      expect(rotated.body.refresh).not.toBe(refresh);
      const followed = await http.post('/api/auth/refresh', { refresh: rotated.body.refresh });
      expect(followed.status).toBe(200);
      const reuse = await http.post('/api/auth/token/refresh/', { refresh });
      expect(reuse.status).toBe(401);
      expect(reuse.body.error.code).toBe('token_revoked');
      // The thief's reuse also killed the legitimate newer token of the same family.
      const afterTheft = await http.post('/api/auth/refresh', { refresh: followed.body.refresh });
      expect(afterTheft.status).toBe(401);
    });

    it('logout kills the refresh token; logging out twice is harmless', async () => {
      const { refresh } = await register();
      expect((await http.post('/api/auth/logout', { refresh })).status).toBe(204);
      expect((await http.post('/api/auth/logout/', { refresh })).status).toBe(204);
      expect((await http.post('/api/auth/refresh', { refresh })).status).toBe(401);
    });

    it('profile: GET needs a bearer access token; PATCH changes name and e-mail, read right after', async () => {
      const { access, user } = await register();
      expect((await http.get('/api/auth/profile')).status).toBe(401);
      const me = http.withToken(access);
      const profile = await me.get('/api/auth/profile/');
      expect(profile.status).toBe(200);
      expect(profile.body).toMatchObject({ id: user.id, email: user.email, name: 'Ann' });
      const newEmail = uniqueEmail();
      const patched = await me.patch('/api/auth/profile', { name: 'Anna', email: newEmail.toUpperCase() });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({ name: 'Anna', email: newEmail });
      expect((await me.get('/api/auth/profile')).body).toMatchObject({ name: 'Anna', email: newEmail });
    });

    it('an e-mail change re-claims uniqueness: a taken address is 409, the old address is freed', async () => {
      const first = await register();
      const second = await register();
      const taken = await http.withToken(second.access).patch('/api/auth/profile', { email: first.email });
      expect(taken.status).toBe(409);
      const freshEmail = uniqueEmail();
      expect((await http.withToken(first.access).patch('/api/auth/profile', { email: freshEmail })).status).toBe(200);
      // The old address can now be registered by someone else, and the user logs in with the new one.
      expect((await http.post('/api/auth/register', { email: first.email, password: 'password1' })).status).toBe(201);
      expect((await http.post('/api/auth/login', { email: freshEmail, password: first.password })).status).toBe(200);
    });

    it('change-password: the old password is checked, then every earlier refresh token dies', async () => {
      const { email, password, access, refresh } = await register();
      const me = http.withToken(access);
      const wrong = await me.post('/api/auth/change-password', {
        old_password: 'nope-nope',
        new_password: 'brand new password',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.body.error.code).toBe('wrong_password');
      expect(
        (await me.post('/api/auth/change-password/', { old_password: password, new_password: 'brand new password' }))
          .status,
      ).toBe(204);
      expect((await http.post('/api/auth/refresh', { refresh })).status).toBe(401);
      expect((await http.post('/api/auth/login', { email, password })).status).toBe(401);
      expect((await http.post('/api/auth/login', { email, password: 'brand new password' })).status).toBe(200);
    });

    it('refuses a refresh token as an access token, and an access token as a refresh token', async () => {
      const { access, refresh } = await register();
      expect((await http.withToken(refresh).get('/api/auth/profile')).status).toBe(401);
      expect((await http.post('/api/auth/refresh', { refresh: access })).status).toBe(401);
    });

    it('refuses unsigned (alg none) tokens and tokens signed with another key or algorithm', async () => {
      const { user } = await register();
      const none = jwt.sign({ type: 'access', sub: user.id }, '', { algorithm: 'none' });
      const otherKey = jwt.sign(
        { type: 'access', sub: user.id, iss: 'smarthome-cloud' },
        'another-secret-another-secret-another',
        { algorithm: 'HS256' },
      );
      const hs512 = jwt.sign({ type: 'access', sub: user.id, iss: 'smarthome-cloud' }, server.env.JWT_SECRET!, {
        algorithm: 'HS512',
      });
      for (const token of [none, otherKey, hs512, 'garbage']) {
        const response = await http.withToken(token).get('/api/auth/profile');
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      }
    });

    describe('bad input gets a clear error and appends nothing', () => {
      const cases: Array<[string, string, unknown, Record<string, string> | undefined, number, string]> = [
        ['missing fields', '/api/auth/register', {}, undefined, 400, 'validation_error'],
        [
          'invalid e-mail',
          '/api/auth/register',
          { email: 'not-an-email', password: 'password1' },
          undefined,
          400,
          'validation_error',
        ],
        [
          'short password',
          '/api/auth/register',
          { email: 'x@example.com', password: 'short' },
          undefined,
          400,
          'validation_error',
        ],
        [
          'password over 1024 bytes',
          '/api/auth/register',
          { email: 'x@example.com', password: 'é'.repeat(513) },
          undefined,
          400,
          'validation_error',
        ],
        ['wrong types', '/api/auth/register', { email: 42, password: ['x'] }, undefined, 400, 'validation_error'],
        [
          'password2 differs',
          '/api/auth/register',
          { email: 'x2@example.com', password: 'password1', password2: 'password2' },
          undefined,
          400,
          'validation_error',
        ],
        ['malformed JSON', '/api/auth/register', '{"email": "x@example.com",', undefined, 400, 'invalid_json'],
        [
          'not JSON',
          '/api/auth/register',
          'email=x',
          { 'content-type': 'application/x-www-form-urlencoded' },
          415,
          'unsupported_media_type',
        ],
        [
          'body over 1 MiB',
          '/api/auth/register',
          { email: 'x@example.com', password: 'password1', name: 'x'.repeat(1024 * 1024) },
          undefined,
          413,
          'payload_too_large',
        ],
        ['login without password', '/api/auth/login', { email: 'x@example.com' }, undefined, 400, 'validation_error'],
        ['refresh without token', '/api/auth/refresh', {}, undefined, 400, 'validation_error'],
        ['refresh with garbage', '/api/auth/refresh', { refresh: 'garbage' }, undefined, 401, 'invalid_token'],
      ];
      for (const [name, path, body, headers, status, code] of cases) {
        it(name, async () => {
          const before = await eventCount();
          const response = await http.post(path, body, headers);
          expect(response.status).toBe(status);
          expect(response.body.error.code).toBe(code);
          expect(typeof response.body.error.message).toBe('string');
          expect(await eventCount()).toBe(before);
        });
      }

      it('validation errors name the field', async () => {
        const response = await http.post('/api/auth/register', { email: 'nope', password: 'password1' });
        expect(response.body.error.details.issues[0].path).toBe('email');
      });

      it('unknown fields are ignored', async () => {
        const response = await http.post('/api/auth/register', {
          email: uniqueEmail(),
          password: 'password1',
          password2: 'password1',
          favourite_colour: 'blue',
        });
        expect(response.status).toBe(201);
      });

      it('an unknown route is a JSON 404', async () => {
        const response = await http.get('/api/nope');
        expect(response.status).toBe(404);
        expect(response.body.error.code).toBe('not_found');
      });
    });

    it('serves health, readiness and the OpenAPI document', async () => {
      expect((await http.get('/healthz')).body).toEqual({ status: 'ok' });
      const ready = await http.get('/readyz');
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ready');
      const doc = await http.get('/api/openapi.json');
      expect(doc.body.openapi).toMatch(/^3\./);
      expect(Object.keys(doc.body.paths)).toContain('/api/auth/register');
    });
  });
}
