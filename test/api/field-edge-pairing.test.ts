import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { headOf, registerUser, type TestUser } from '../support/fixtures.ts';

/** The field edge's pair_gateway.py body: a fresh uuid4 per run, "Gateway <first 8 chars>", version 1.0.0. */
function edgePairingBody(pairingCode: string, gatewayUuid = randomUUID()) {
  return {
    pairing_code: pairingCode,
    gateway_uuid: gatewayUuid,
    name: `Gateway ${gatewayUuid.slice(0, 8)}`,
    version: '1.0.0',
  };
}

/** quick_pair.py / the app's requestPairingCode: `{home_name, expiry_minutes}` to the trailing-slash path. */
async function requestCode(
  user: TestUser,
  body: Record<string, unknown> = { home_name: "Aditya's Smart Home", expiry_minutes: 10 },
) {
  const requested = await user.http.post('/api/gateways/request-pairing/', body);
  expect(requested.status, JSON.stringify(requested.body)).toBe(201);
  return requested.body as { code: string; expires_at: string; message: string };
}

describe.each(serverTargets())('the field edge pairs unchanged (%s)', (target) => {
  let server: TestServer;
  let edge: HttpClient;
  let offsetMs = 0;
  beforeAll(async () => {
    server = await startTestServer(
      target,
      { PAIRING_RATE_LIMIT: '1000' },
      { clock: () => new Date(Date.now() + offsetMs) },
    );
    edge = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it("pair_gateway.py's body → 201 with home_id and secret; its gateway_uuid is the gateway's id, its version recorded, the home named as asked", async () => {
    const owner = await registerUser(server, 'edge-owner');
    const requested = await requestCode(owner);
    expect(requested.message).toBe('Pairing code generated. Enter this code on your gateway within 10 minutes.');
    const ttl = Date.parse(requested.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);

    const body = edgePairingBody(requested.code);
    const paired = await edge.post('/api/gateways/complete-pairing/', body);
    expect(paired.status, JSON.stringify(paired.body)).toBe(201);
    expect(paired.body).toMatchObject({
      id: body.gateway_uuid,
      gateway_id: body.gateway_uuid,
      name: body.name,
      version: '1.0.0',
      message: expect.any(String),
    });
    expect(paired.body.home_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await server.gatewayAuthenticator.verifyGatewaySecret(body.gateway_uuid, paired.body.secret)).toMatchObject({
      gatewayId: body.gateway_uuid,
      homeId: paired.body.home_id,
    });

    const gateway = await owner.http.get(`/api/gateways/${body.gateway_uuid}/`);
    expect(gateway.body).toMatchObject({ id: body.gateway_uuid, home_id: paired.body.home_id, version: '1.0.0' });
    const homes = await owner.http.get('/api/homes/');
    expect(homes.body).toEqual([
      expect.objectContaining({ id: paired.body.home_id, name: "Aditya's Smart Home", role: 'owner' }),
    ]);
    const log = await server.stores.eventStore.readStream(`gateway-${body.gateway_uuid}`);
    expect(log[0]!.data).toMatchObject({ gateway_id: body.gateway_uuid, version: '1.0.0', via: 'pairing' });
  });

  it('a gateway_uuid already used → 409 gateway_id_taken, nothing written, and the code stays usable with a fresh uuid', async () => {
    const owner = await registerUser(server, 'edge-owner');
    const first = edgePairingBody((await requestCode(owner)).code);
    expect((await edge.post('/api/gateways/complete-pairing/', first)).status).toBe(201);

    const second = await requestCode(owner, { home_name: 'Second home' });
    const before = await headOf(server);
    const taken = await edge.post('/api/gateways/complete-pairing/', edgePairingBody(second.code, first.gateway_uuid));
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('gateway_id_taken');
    expect(await headOf(server)).toBe(before);
    const fresh = await edge.post('/api/gateways/complete-pairing/', edgePairingBody(second.code));
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
  });

  it('code and pairing_code are aliases; different values, a gateway_uuid that is no UUID, or a bad version → 400', async () => {
    const owner = await registerUser(server, 'edge-owner');
    const { code } = await requestCode(owner);
    const bad: Array<[string, Record<string, unknown>]> = [
      ['neither code', { gateway_uuid: randomUUID() }],
      ['code and pairing_code differ', { code, pairing_code: 'ABCDEFGH' }],
      ['gateway_uuid not a UUID', { pairing_code: code, gateway_uuid: 'gw-1' }],
      ['version with a control character', { pairing_code: code, version: '1.0\u0007' }],
      ['version too long', { pairing_code: code, version: '1'.repeat(51) }],
      ['version not a string', { pairing_code: code, version: 1 }],
    ];
    for (const [label, body] of bad) {
      const answer = await edge.post('/api/gateways/complete-pairing', body);
      expect(answer.status, label).toBe(400);
      expect(answer.body.error.code, label).toBe('validation_error');
    }
    // Both spellings of the same code (grouped differently) are one code; a blank version is no version.
    const same = await edge.post('/api/gateways/complete-pairing', {
      code: code.toLowerCase(),
      pairing_code: `${code.slice(0, 4)}-${code.slice(4)}`,
      version: ' ',
    });
    expect(same.status, JSON.stringify(same.body)).toBe(201);
    expect(same.body.version).toBeNull();
  });

  it('request-pairing: expiry_minutes 1..1440 (else 400); get_pairing_code.py sends only home_name (default expiry); blank home_name is the default name', async () => {
    const owner = await registerUser(server, 'edge-owner');
    for (const expiry of [0, 1441, 2.5, '10', -1]) {
      const answer = await owner.http.post('/api/gateways/request-pairing', { home_name: 'x', expiry_minutes: expiry });
      expect(answer.status, String(expiry)).toBe(400);
    }
    for (const expiry of [1, 1440]) {
      const answer = await requestCode(owner, { home_name: 'Bounds', expiry_minutes: expiry });
      expect(Date.parse(answer.expires_at) - Date.now()).toBeGreaterThan((expiry - 1) * 60_000);
      expect(Date.parse(answer.expires_at) - Date.now()).toBeLessThanOrEqual(expiry * 60_000);
    }
    const onlyName = await requestCode(owner, { home_name: 'Re-Paired Home' });
    expect(Date.parse(onlyName.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    for (const home_name of ['\u0001bell', 'x'.repeat(101)]) {
      expect((await owner.http.post('/api/gateways/request-pairing', { home_name })).status, home_name).toBe(400);
    }
    const withHome = await owner.http.post('/api/gateways/request-pairing', { home_name: 'x', home_id: randomUUID() });
    expect(withHome.status).toBe(400);

    const blank = await requestCode(owner, { home_name: '  ', expiry_minutes: 10 });
    const paired = await edge.post('/api/gateways/complete-pairing/', edgePairingBody(blank.code));
    expect((await owner.http.get(`/api/homes/${paired.body.home_id}/`)).body.name).toBe('Home');
  });

  it('verify-pairing: {valid, message} for a valid, unknown, malformed, used and expired code; it needs a token and never consumes the code', async () => {
    const owner = await registerUser(server, 'edge-owner');
    const { code } = await requestCode(owner);
    expect((await edge.get(`/api/gateways/verify-pairing/${code}`)).status).toBe(401);

    const before = await headOf(server);
    const valid = await owner.http.get(`/api/gateways/verify-pairing/${code}`);
    expect(valid.status).toBe(200);
    expect(valid.body).toEqual({ valid: true, message: 'Pairing code is valid' });
    expect((await owner.http.get(`/api/gateways/verify-pairing/${code}/`)).body.valid).toBe(true);
    expect(await headOf(server), 'checking writes nothing').toBe(before);

    const notValid = { valid: false, message: 'Pairing code is not valid' };
    expect((await owner.http.get('/api/gateways/verify-pairing/ABCDEFGH')).body).toEqual(notValid);
    expect((await owner.http.get('/api/gateways/verify-pairing/12%00')).status, 'NUL is out of bounds everywhere').toBe(
      400,
    );
    expect((await owner.http.get('/api/gateways/verify-pairing/not-a-code')).body).toEqual(notValid);
    expect((await owner.http.get(`/api/gateways/verify-pairing/${'A'.repeat(33)}`)).status).toBe(400);

    const expiring = await requestCode(owner);
    offsetMs = 11 * 60_000;
    try {
      expect((await owner.http.get(`/api/gateways/verify-pairing/${expiring.code}`)).body).toEqual(notValid);
    } finally {
      offsetMs = 0;
    }

    expect((await edge.post('/api/gateways/complete-pairing/', edgePairingBody(code))).status).toBe(201);
    expect((await owner.http.get(`/api/gateways/verify-pairing/${code}`)).body).toEqual(notValid);
  });

  /** A request body's schema (a reference into the document's components). */
  const bodySchema = (doc: any, path: string) =>
    doc.components.schemas[doc.paths[path].post.requestBody.content['application/json'].schema.$ref.split('/').at(-1)];

  it('the OpenAPI document describes the field pairing paths and fields', async () => {
    const doc = (await edge.get('/api/openapi.json')).body;
    expect(doc.paths['/api/gateways/verify-pairing/{code}'].get).toBeDefined();
    expect(Object.keys(bodySchema(doc, '/api/gateways/complete-pairing').properties)).toEqual(
      expect.arrayContaining(['code', 'pairing_code', 'gateway_uuid', 'name', 'version']),
    );
    expect(Object.keys(bodySchema(doc, '/api/gateways/request-pairing').properties)).toEqual(
      expect.arrayContaining(['home_name', 'expiry_minutes']),
    );
    expect(doc.paths['/api/homes/{home_id}'].patch).toBeDefined();
    expect(doc.paths['/api/homes/{home_id}'].put).toBeDefined();
    expect(doc.paths['/api/gateways/{id}'].put).toBeDefined();
    expect(doc.paths['/api/auth/profile'].put).toBeDefined();
  });
});

describe('verify-pairing is rate-limited per address, sharing the budget of failed redemptions', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { PAIRING_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('after three failed checks the fourth → 429 with Retry-After, even for a valid code; redemptions from that address too', async () => {
    const owner = await registerUser(server, 'edge-owner');
    const { code } = await requestCode(owner);
    expect((await owner.http.get(`/api/gateways/verify-pairing/${code}`)).body.valid).toBe(true);
    for (let i = 0; i < 3; i++)
      expect((await owner.http.get('/api/gateways/verify-pairing/WRONGCDE')).body.valid).toBe(false);
    const limited = await owner.http.get(`/api/gateways/verify-pairing/${code}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(
      (await new HttpClient(server.url).post('/api/gateways/complete-pairing/', edgePairingBody(code))).status,
    ).toBe(429);
  });
});
