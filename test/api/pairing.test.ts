import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { headOf, homeWithEveryRole, MEMBERS, registerUser } from '../support/fixtures.ts';

const CODE = /^[ABCDEFGHJKMNPQRSTVWXYZ23456789]{8}$/;

describe.each(serverTargets())('gateway pairing (%s)', (target) => {
  let server: TestServer;
  let gateway: HttpClient;
  /** The server's clock: tests move it forward instead of sleeping. */
  let offsetMs = 0;

  beforeAll(async () => {
    server = await startTestServer(
      target,
      { PAIRING_RATE_LIMIT: '1000' },
      { clock: () => new Date(Date.now() + offsetMs) },
    );
    gateway = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('pairs a gateway for a new home: the code is redeemed without a token and answers like provision', async () => {
    const owner = await registerUser(server, 'owner');
    const requested = await owner.http.post('/api/gateways/request-pairing/', { name: 'Attic' });
    expect(requested.status).toBe(201);
    expect(requested.body.code).toMatch(CODE);
    const ttl = Date.parse(requested.body.expires_at) - Date.now();
    expect(ttl).toBeGreaterThan(9 * 60_000);
    expect(ttl).toBeLessThanOrEqual(10 * 60_000);

    const homeId = randomUUID();
    const code = `${requested.body.code.slice(0, 4).toLowerCase()}-${requested.body.code.slice(4)}`;
    const completed = await gateway.post('/api/gateways/complete-pairing', { code, home_id: homeId });
    expect(completed.status, JSON.stringify(completed.body)).toBe(201);
    expect(Object.keys(completed.body).sort()).toEqual([
      'created_at',
      'gateway_id',
      'home_id',
      'id',
      'message',
      'name',
      'secret',
      'status',
      'version',
    ]);
    expect(completed.body).toMatchObject({ home_id: homeId, name: 'Attic', status: 'pending' });
    expect(await server.gatewayAuthenticator.verifyGatewaySecret(completed.body.id, completed.body.secret)).toEqual({
      gatewayId: completed.body.id,
      homeId,
      revision: 0,
    });
    expect((await owner.http.get(`/api/homes/${homeId}`)).body.role).toBe('owner');

    const log = await server.stores.eventStore.readAll({ maxCount: 10_000 });
    const text = JSON.stringify(log);
    expect(text).not.toContain(requested.body.code);
    expect(text).not.toContain(completed.body.secret);
    const redeemed = log.find(
      (event) => event.type === 'PairingRedeemed' && event.data.gateway_id === completed.body.id,
    )!;
    expect(redeemed.streamName).toMatch(/^pairing-[0-9a-f]{64}$/);
    const provisioned = log.find(
      (event) => event.type === 'GatewayProvisioned' && event.data.gateway_id === completed.body.id,
    )!;
    expect(provisioned.data.via).toBe('pairing');
    expect(provisioned.metadata).toMatchObject({
      actor: { kind: 'gateway', id: completed.body.id },
      on_behalf_of: { kind: 'user', id: owner.id },
    });

    const reused = await gateway.post('/api/gateways/complete-pairing', { code: requested.body.code });
    expect(reused.status).toBe(400);
    expect(reused.body.error).toMatchObject({ code: 'pairing_code_used', details: { reason: 'used' } });
  });

  it('pairs into an existing home for its owner or admin only', async () => {
    const home = await homeWithEveryRole(server);
    for (const member of MEMBERS) {
      const requested = await home.people[member].http.post('/api/gateways/request-pairing', { home_id: home.homeId });
      expect(requested.status).toBe({ stranger: 404, viewer: 403, user: 403, admin: 201, owner: 201 }[member]);
    }
    const requested = await home.people.admin.http.post('/api/gateways/request-pairing', { home_id: home.homeId });
    const mismatch = await gateway.post('/api/gateways/complete-pairing', {
      code: requested.body.code,
      home_id: randomUUID(),
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.code).toBe('pairing_home_mismatch');
    // The home still has its active gateway: 409, and the code stays usable once that is fixed.
    const blocked = await gateway.post('/api/gateways/complete-pairing', { code: requested.body.code });
    expect(blocked.status).toBe(409);
    await home.people.owner.http.post(`/api/gateways/${home.gatewayId}/revoke`);
    const completed = await gateway.post('/api/gateways/complete-pairing', {
      code: requested.body.code,
      home_id: home.homeId,
    });
    expect(completed.status, JSON.stringify(completed.body)).toBe(201);
    expect(completed.body.home_id).toBe(home.homeId);
    expect((await home.people.viewer.http.get('/api/gateways/')).body.map((g: { id: string }) => g.id)).toContain(
      completed.body.id,
    );
  });

  it('wrong and expired codes → 400 with a reason; expiry is recorded as an event', async () => {
    const owner = await registerUser(server, 'owner');
    const before = await headOf(server);
    const wrong = await gateway.post('/api/gateways/complete-pairing', { code: 'ABCDEFGH' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toMatchObject({ code: 'pairing_code_invalid', details: { reason: 'unknown' } });
    expect(await headOf(server)).toBe(before);

    const requested = await owner.http.post('/api/gateways/request-pairing', {});
    offsetMs = 10 * 60_000 + 1;
    try {
      const expired = await gateway.post('/api/gateways/complete-pairing', { code: requested.body.code });
      expect(expired.status).toBe(400);
      expect(expired.body.error).toMatchObject({ code: 'pairing_code_expired', details: { reason: 'expired' } });
      const again = await gateway.post('/api/gateways/complete-pairing', { code: requested.body.code });
      expect(again.body.error.code).toBe('pairing_code_expired');
    } finally {
      offsetMs = 0;
    }
    // No read model waits for pairing events: on a busy Postgres server $all may show the last one a moment later.
    await vi.waitFor(async () => {
      const log = await server.stores.eventStore.readAll({ after: before, maxCount: 1000 });
      expect(log.map((event) => event.type)).toEqual(['PairingRequested', 'PairingExpired']);
    });
    expect((await owner.http.get('/api/gateways/')).body).toEqual([]);
  });

  it('bad input → 400/401, never 500', async () => {
    const owner = await registerUser(server, 'owner');
    const cases: Array<[Promise<{ status: number }>, number]> = [
      [gateway.post('/api/gateways/request-pairing', {}), 401],
      [owner.http.post('/api/gateways/request-pairing', { home_id: 'x' }), 400],
      [owner.http.post('/api/gateways/request-pairing', { name: 3 }), 400],
      [owner.http.post('/api/gateways/request-pairing', { home_id: randomUUID() }), 201],
      [gateway.post('/api/gateways/complete-pairing', {}), 400],
      [gateway.post('/api/gateways/complete-pairing', { code: 12345678 }), 400],
      [gateway.post('/api/gateways/complete-pairing', { code: 'x'.repeat(100) }), 400],
      [gateway.post('/api/gateways/complete-pairing', { code: 'ABCDEFGH', home_id: 'x' }), 400],
    ];
    for (const [request, status] of cases) expect((await request).status).toBe(status);
  });
});

describe('gateway pairing rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { PAIRING_RATE_LIMIT: '3' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a client address after too many failed redemptions', async () => {
    const gateway = new HttpClient(server.url);
    for (let i = 0; i < 3; i++)
      expect((await gateway.post('/api/gateways/complete-pairing', { code: 'WRONGCDE' })).status).toBe(400);
    const limited = await gateway.post('/api/gateways/complete-pairing', { code: 'WRONGCDE' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
