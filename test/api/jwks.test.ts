import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyId } from '../../src/api/auth/jwt-keys.ts';
import { TokenService } from '../../src/api/auth/token-service.ts';
import { AppLiveSocket } from '../support/app-client.ts';
import { provisionGateway, registerUser, type TestUser } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

/** Writes a key as an operator would hand it over: PEM, the private key PKCS#8. */
function pemFile(dir: string, name: string, key: KeyObject): string {
  const file = path.join(dir, name);
  const pem =
    key.type === 'private' ? key.export({ format: 'pem', type: 'pkcs8' }) : key.export({ format: 'pem', type: 'spki' });
  fs.writeFileSync(file, pem, { mode: 0o600 });
  return file;
}

describe('EdDSA tokens and the JWKS (/.well-known/jwks.json)', () => {
  const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-jwks-'));
  const retired = generateKeyPairSync('ed25519');
  const current = generateKeyPairSync('ed25519');
  let server: TestServer;
  let user: TestUser;
  beforeAll(async () => {
    // After a rotation: the new key signs; the old one is listed as it was (its private key file) and still verifies.
    server = await startTestServer('pglite', {
      JWT_SECRET: SECRET,
      JWT_PRIVATE_KEY_FILE: pemFile(keyDir, 'current.pem', current.privateKey),
      JWT_PREVIOUS_PUBLIC_KEY_FILES: pemFile(keyDir, 'retired.pem', retired.privateKey),
    });
    user = await registerUser(server, 'jwks');
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(keyDir, { recursive: true, force: true });
  });

  const jwks = async () => {
    const response = await fetch(`${server.url}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    return { response, body: (await response.json()) as JSONWebKeySet };
  };

  it('another service verifies a token the server issued with the keys it fetched over HTTP', async () => {
    const { body } = await jwks();
    const { payload, protectedHeader } = await jwtVerify(user.access, createLocalJWKSet(body), {
      issuer: 'smarthome-cloud',
      algorithms: ['EdDSA'],
    });
    expect(payload.sub).toBe(user.id);
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: ed25519KeyId(current.publicKey) });
  });

  it('lists the current and the previous public key with their kid, and no private part', async () => {
    const { body } = await jwks();
    expect(body.keys.map((key) => key.kid)).toEqual([ed25519KeyId(current.publicKey), ed25519KeyId(retired.publicKey)]);
    for (const key of body.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x']);
    }
  });

  it('is cacheable, and a revalidation with its ETag is a 304', async () => {
    const { response } = await jwks();
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(response.headers.get('content-type')).toContain('application/jwk-set+json');
    const etag = response.headers.get('etag')!;
    const again = await fetch(`${server.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('a token signed with the retired key still signs the user in (a rotation logs nobody out)', async () => {
    const beforeRotation = new TokenService(
      { secret: SECRET, ed25519: { privateKey: retired.privateKey, previousPublicKeys: [] } },
      900,
      2_592_000,
    );
    const oldToken = await beforeRotation.signAccess(user.id);
    expect(decodeProtectedHeader(oldToken).kid).toBe(ed25519KeyId(retired.publicKey));
    expect((await new HttpClient(server.url, oldToken).get('/api/auth/profile')).status).toBe(200);
  });

  it('refresh answers tokens of the current key', async () => {
    const response = await new HttpClient(server.url).post('/api/auth/refresh', { refresh: user.refresh });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(decodeProtectedHeader(response.body.access).kid).toBe(ed25519KeyId(current.publicKey));
  });

  it("the app's live socket admits by the same EdDSA tokens", async () => {
    const { homeId } = await provisionGateway(user);
    const socket = await AppLiveSocket.connect(server.url, homeId, user.access);
    socket.close();
    const stranger = generateKeyPairSync('ed25519');
    const forged = await new TokenService(
      { secret: SECRET, ed25519: { privateKey: stranger.privateKey, previousPublicKeys: [] } },
      900,
      2_592_000,
    ).signAccess(user.id);
    await expect(AppLiveSocket.connect(server.url, homeId, forged)).rejects.toThrow('HTTP 401');
  });

  it('a token signed by a key the server does not hold is 401', async () => {
    const stranger = generateKeyPairSync('ed25519');
    const forged = await new TokenService(
      { secret: SECRET, ed25519: { privateKey: stranger.privateKey, previousPublicKeys: [] } },
      900,
      2_592_000,
    ).signAccess(user.id);
    expect((await new HttpClient(server.url, forged).get('/api/auth/profile')).status).toBe(401);
  });
});

describe('the JWKS of an HS256 deployment', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { JWT_SECRET: SECRET });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is 404: a shared secret is never published', async () => {
    const response = await new HttpClient(server.url).get('/.well-known/jwks.json');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect(JSON.stringify(response.body)).not.toContain(SECRET);
  });
});
