import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, exportJWK, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { ed25519KeyId, keyIdOf } from '../../src/api/auth/jwt-keys.ts';
import { TokenService } from '../../src/api/auth/token-service.ts';

const SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
const USER_ID = '6f1c1f8e-2a4b-4a53-9a43-6f4a2f9b1c11';
const ISSUER = 'smarthome-cloud';
const ed25519 = () => generateKeyPairSync('ed25519');

/** A node of one deployment: JWT_SECRET always, and the Ed25519 keys it signs with and still accepts. */
const service = (privateKey: KeyObject, previousPublicKeys: KeyObject[] = []) =>
  new TokenService({ secret: SECRET, ed25519: { privateKey, previousPublicKeys } }, 900, 86_400);

/** An access token with claims as ours, signed however a test chooses. */
const accessClaims = () => new SignJWT({ type: 'access' }).setIssuedAt().setExpirationTime('10m').setIssuer(ISSUER);
const forge = (header: { alg: string; kid: string }, key: KeyObject | Uint8Array) =>
  accessClaims().setSubject(USER_ID).setJti('forged').setProtectedHeader(header).sign(key);

describe('EdDSA tokens (JWT_PRIVATE_KEY_FILE)', () => {
  const current = ed25519();

  it('are signed with EdDSA under the RFC 7638 thumbprint of the key, and verify', async () => {
    const tokens = service(current.privateKey);
    const access = await tokens.signAccess(USER_ID);
    const kid = await calculateJwkThumbprint(await exportJWK(current.publicKey));
    expect(decodeProtectedHeader(access)).toEqual({ alg: 'EdDSA', kid });
    expect(ed25519KeyId(current.publicKey)).toBe(kid);
    expect(await tokens.verifyAccess(access)).toEqual({ userId: USER_ID, expiresAt: expect.any(Number), staff: false });
    const refresh = await tokens.signRefresh({ userId: USER_ID, familyId: USER_ID, tokenId: USER_ID });
    expect((await tokens.verifyRefresh(refresh)).familyId).toBe(USER_ID);
  });

  it('publish only public keys, the signing key first', () => {
    const previous = ed25519();
    const jwks = service(current.privateKey, [previous.publicKey]).publicKeys();
    expect(jwks.map((key) => key.kid)).toEqual([ed25519KeyId(current.publicKey), ed25519KeyId(previous.publicKey)]);
    expect(jwks[0]).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: current.publicKey.export({ format: 'jwk' }).x,
      kid: jwks[0]!.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|SECRET/);
    expect(new TokenService({ secret: SECRET }, 900, 86_400).publicKeys()).toEqual([]);
  });

  it('a rotation (old key moved to the previous keys) keeps old tokens valid; new tokens use the new kid', async () => {
    const next = ed25519();
    const beforeRotation = service(current.privateKey);
    const oldToken = await beforeRotation.signAccess(USER_ID);
    const afterRotation = service(next.privateKey, [current.publicKey]);

    expect((await afterRotation.verifyAccess(oldToken)).userId).toBe(USER_ID);
    const newToken = await afterRotation.signAccess(USER_ID);
    expect(decodeProtectedHeader(newToken).kid).toBe(ed25519KeyId(next.publicKey));
    expect((await afterRotation.verifyAccess(newToken)).userId).toBe(USER_ID);
    // Once the old key is dropped, its tokens are refused.
    await expect(service(next.privateKey).verifyAccess(oldToken)).rejects.toThrow('Invalid token');
  });

  it('the switch from HS256 keeps tokens of JWT_SECRET valid', async () => {
    const hs256Token = await new TokenService({ secret: SECRET }, 900, 86_400).signAccess(USER_ID);
    expect(decodeProtectedHeader(hs256Token)).toMatchObject({ alg: 'HS256', kid: keyIdOf(SECRET) });
    expect((await service(current.privateKey).verifyAccess(hs256Token)).userId).toBe(USER_ID);
  });

  describe('the algorithm is the one the kid names, nothing else', () => {
    const tokens = service(current.privateKey);
    const kid = ed25519KeyId(current.publicKey);

    it('an HS256 token naming the Ed25519 kid, keyed with the public key (algorithm confusion), is refused', async () => {
      const publicBytes = Buffer.from(current.publicKey.export({ format: 'jwk' }).x!, 'base64url');
      const pemBytes = Buffer.from(current.publicKey.export({ format: 'pem', type: 'spki' }));
      for (const key of [publicBytes, pemBytes]) {
        await expect(tokens.verifyAccess(await forge({ alg: 'HS256', kid }, key))).rejects.toThrow('Invalid token');
      }
    });

    it('an EdDSA token naming the HS256 kid is refused', async () => {
      const token = await forge({ alg: 'EdDSA', kid: keyIdOf(SECRET) }, current.privateKey);
      await expect(tokens.verifyAccess(token)).rejects.toThrow('Invalid token');
    });

    it('an unsigned token (alg none) naming the kid is refused', async () => {
      const unsigned = new UnsecuredJWT({ type: 'access', sub: USER_ID, jti: 'none' })
        .setIssuedAt()
        .setExpirationTime('10m')
        .setIssuer(ISSUER)
        .encode();
      const withKid = `${Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url')}${unsigned.slice(unsigned.indexOf('.'))}`;
      await expect(tokens.verifyAccess(unsigned)).rejects.toThrow('Invalid token');
      await expect(tokens.verifyAccess(withKid)).rejects.toThrow('Invalid token');
    });

    it('an EdDSA token signed by another key under our kid, or under a kid we do not hold, is refused', async () => {
      const stranger = ed25519();
      await expect(tokens.verifyAccess(await forge({ alg: 'EdDSA', kid }, stranger.privateKey))).rejects.toThrow(
        'Invalid token',
      );
      const unknownKid = await forge({ alg: 'EdDSA', kid: ed25519KeyId(stranger.publicKey) }, stranger.privateKey);
      await expect(tokens.verifyAccess(unknownKid)).rejects.toThrow('Invalid token');
    });

    it('an EdDSA token without kid is refused (kid-less tokens are HS256 from before key ids)', async () => {
      const token = await accessClaims()
        .setSubject(USER_ID)
        .setJti('no-kid')
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(current.privateKey);
      await expect(tokens.verifyAccess(token)).rejects.toThrow('Invalid token');
    });
  });
});
