import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyIdOf } from '../../src/api/auth/jwt-keys.ts';
import { TokenService } from '../../src/api/auth/token-service.ts';
import { registerUser, type TestUser } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const OLD_SECRET = 'the-secret-before-the-rotation-0123456789abcdef';
const NEW_SECRET = 'the-secret-after-the-rotation-0123456789abcdefgh';
const STRANGER_SECRET = 'a-secret-this-deployment-never-held-0123456789';

/** What a node still running with the old secret (JWT_SECRET=OLD_SECRET) signed before the rotation. */
const beforeRotation = new TokenService({ secret: OLD_SECRET }, 900, 2_592_000);

describe('key rotation: JWT_SECRET moved to JWT_PREVIOUS_SECRETS logs nobody out', () => {
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    server = await startTestServer('pglite', { JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRETS: OLD_SECRET });
    user = await registerUser(server, 'rotation');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const profileWith = (token: string) => new HttpClient(server.url, token).get('/api/auth/profile');

  it('tokens carry the kid of the current secret', () => {
    expect(jwt.decode(user.access, { complete: true })?.header.kid).toBe(keyIdOf(NEW_SECRET));
    expect(jwt.decode(user.refresh, { complete: true })?.header.kid).toBe(keyIdOf(NEW_SECRET));
    expect(keyIdOf(NEW_SECRET)).not.toBe(keyIdOf(OLD_SECRET));
  });

  it('an access token signed with the previous secret still verifies', async () => {
    const response = await profileWith(await beforeRotation.signAccess(user.id));
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.id ?? response.body.user?.id).toBe(user.id);
  });

  it('a refresh token signed with the previous secret still refreshes, into tokens of the current secret', async () => {
    // The same family and token id the server issued, as the node before the rotation would have signed them.
    const claims = jwt.decode(user.refresh) as { sub: string; fam: string; jti: string };
    const oldRefresh = await beforeRotation.signRefresh({
      userId: claims.sub,
      familyId: claims.fam,
      tokenId: claims.jti,
    });
    const response = await new HttpClient(server.url).post('/api/auth/refresh', { refresh: oldRefresh });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(jwt.decode(response.body.access, { complete: true })?.header.kid).toBe(keyIdOf(NEW_SECRET));
    expect((await profileWith(response.body.access)).status).toBe(200);
  });

  it('a token with a kid this deployment does not hold is 401', async () => {
    const stranger = new TokenService({ secret: STRANGER_SECRET }, 900, 2_592_000);
    const response = await profileWith(await stranger.signAccess(user.id));
    expect(response.status).toBe(401);
  });

  it('a token whose kid names the previous key but is signed with another key is 401', async () => {
    const forged = jwt.sign({ type: 'access' }, STRANGER_SECRET, {
      algorithm: 'HS256',
      keyid: keyIdOf(OLD_SECRET),
      subject: user.id,
      jwtid: 'forged',
      expiresIn: 900,
      issuer: 'smarthome-cloud',
    });
    expect((await profileWith(forged)).status).toBe(401);
  });

  it('a token without kid (issued before key ids) verifies with the current secret only', async () => {
    const withoutKid = (secret: string) =>
      jwt.sign({ type: 'access' }, secret, {
        algorithm: 'HS256',
        subject: user.id,
        jwtid: 'legacy',
        expiresIn: 900,
        issuer: 'smarthome-cloud',
      });
    expect((await profileWith(withoutKid(NEW_SECRET))).status).toBe(200);
    expect((await profileWith(withoutKid(OLD_SECRET))).status).toBe(401);
  });

  it('once the previous secret is dropped from JWT_PREVIOUS_SECRETS its tokens are refused', async () => {
    const afterCleanup = new TokenService({ secret: NEW_SECRET }, 900, 2_592_000);
    await expect(afterCleanup.verifyAccess(await beforeRotation.signAccess(user.id))).rejects.toThrow('Invalid token');
    expect((await afterCleanup.verifyAccess(await afterCleanup.signAccess(user.id))).userId).toBe(user.id);
  });
});
