import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { headOf, homeWithEveryRole, MEMBERS, registerUser, type Member, type TestHome } from '../support/fixtures.ts';

const GATEWAY_KEYS = ['id', 'home_id', 'name', 'version', 'status', 'last_seen', 'created_at', 'revoked_at'];

/** Expected status per caller for each gateway endpoint (the role matrix, seen from HTTP). */
const EXPECTED: Record<string, Record<Member, number>> = {
  get: { stranger: 404, viewer: 200, user: 200, admin: 200, owner: 200 },
  rename: { stranger: 404, viewer: 403, user: 403, admin: 200, owner: 200 },
  rotate: { stranger: 404, viewer: 403, user: 403, admin: 200, owner: 200 },
  revoke: { stranger: 404, viewer: 403, user: 403, admin: 200, owner: 200 },
  delete: { stranger: 404, viewer: 403, user: 403, admin: 403, owner: 204 },
  provisionIntoHome: { stranger: 404, viewer: 403, user: 403, admin: 201, owner: 201 },
};

describe.each(serverTargets())('gateways API (%s)', (target) => {
  let server: TestServer;
  let anonymous: HttpClient;

  beforeAll(async () => {
    server = await startTestServer(target);
    anonymous = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('provisions a gateway and a new home, owned by the caller; the secret is shown once and never stored', async () => {
    const owner = await registerUser(server, 'owner');
    const response = await owner.http.post('/api/gateways/provision', { name: 'Living room' });
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual([
      'created_at',
      'gateway_id',
      'home_id',
      'id',
      'name',
      'secret',
      'status',
      'version',
    ]);
    expect(response.body).toMatchObject({ name: 'Living room', status: 'pending', gateway_id: response.body.id });
    expect(response.body.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const detail = await owner.http.get(`/api/gateways/${response.body.id}/`);
    expect(detail.status).toBe(200);
    expect(Object.keys(detail.body).sort()).toEqual([...GATEWAY_KEYS].sort());
    expect(detail.body).toMatchObject({
      id: response.body.id,
      home_id: response.body.home_id,
      last_seen: null,
      revoked_at: null,
    });
    expect(JSON.stringify(detail.body)).not.toContain(response.body.secret);

    const homes = await owner.http.get('/api/homes/');
    expect(homes.body).toEqual([
      expect.objectContaining({ id: response.body.home_id, role: 'owner', active_gateway_id: response.body.id }),
    ]);

    const log = await server.stores.eventStore.readAll({ maxCount: 10_000 });
    expect(JSON.stringify(log)).not.toContain(response.body.secret);
    const provisioned = log.find(
      (event) => event.type === 'GatewayProvisioned' && event.data.gateway_id === response.body.id,
    )!;
    expect(provisioned.streamName).toBe(`gateway-${response.body.id}`);
    expect(provisioned.metadata.actor).toEqual({ kind: 'user', id: owner.id });
    expect(log.some((event) => event.type === 'HomeCreated' && event.data.home_id === response.body.home_id)).toBe(
      true,
    );

    const login = await anonymous.post('/api/auth/login', { email: owner.email, password: 'correct horse battery' });
    expect(login.body.homes).toEqual([response.body.home_id]);
  });

  it("provisions into the edge's own home id, and answers without a body too", async () => {
    const owner = await registerUser(server, 'owner');
    const homeId = randomUUID();
    const response = await owner.http.post('/api/gateways/provision', { home_id: homeId.toUpperCase() });
    expect(response.status).toBe(201);
    expect(response.body.home_id).toBe(homeId);
    const bare = await owner.http.request('POST', '/api/gateways/provision');
    expect(bare.status).toBe(201);
    expect(bare.body.name).toBe('Gateway');
  });

  it('lists exactly the gateways of the homes the caller belongs to', async () => {
    const home = await homeWithEveryRole(server);
    for (const member of MEMBERS) {
      const list = await home.people[member].http.get('/api/gateways/');
      expect(list.status).toBe(200);
      expect(list.body.map((g: { id: string }) => g.id)).toEqual(member === 'stranger' ? [] : [home.gatewayId]);
    }
    const another = await home.people.stranger.http.post('/api/gateways/provision', {});
    const strangerList = await home.people.stranger.http.get('/api/gateways');
    expect(strangerList.body.map((g: { id: string }) => g.id)).toEqual([another.body.id]);
    const ownerList = await home.people.owner.http.get('/api/gateways');
    expect(ownerList.body.map((g: { id: string }) => g.id)).toEqual([home.gatewayId]);
  });

  describe('role matrix, one home per caller so nothing interferes', () => {
    for (const member of MEMBERS) {
      it(`${member}: get, rename, rotate, revoke, delete, provision into the home`, async () => {
        const home = await homeWithEveryRole(server);
        const http = home.people[member].http;
        const path = `/api/gateways/${home.gatewayId}/`;
        const before = await headOf(server);

        expect((await http.get(path)).status).toBe(EXPECTED.get![member]);
        const renamed = await http.patch(path, { name: `renamed by ${member}` });
        expect(renamed.status).toBe(EXPECTED.rename![member]);
        if (renamed.status === 200) expect(renamed.body.name).toBe(`renamed by ${member}`);
        const rotated = await http.post(`${path}rotate-secret`);
        expect(rotated.status).toBe(EXPECTED.rotate![member]);
        const provisionWhileActive = await http.post('/api/gateways/provision', { home_id: home.homeId });
        expect(provisionWhileActive.status).toBe(
          EXPECTED.provisionIntoHome![member] === 201 ? 409 : EXPECTED.provisionIntoHome![member],
        );
        if (EXPECTED.rename![member] !== 200) expect(await headOf(server)).toBe(before);

        const revoked = await http.post(`/api/gateways/${home.gatewayId}/revoke`);
        expect(revoked.status).toBe(EXPECTED.revoke![member]);
        if (revoked.status === 200)
          expect(revoked.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
        const deleted = await http.delete(path);
        expect(deleted.status).toBe(EXPECTED.delete![member]);
        if (deleted.status === 204) {
          expect((await home.people.owner.http.get(path)).status).toBe(404);
          expect((await home.people.viewer.http.get('/api/gateways/')).body).toEqual([]);
        }
        if (revoked.status === 200 || deleted.status === 204) {
          const next = await http.post('/api/gateways/provision', { home_id: home.homeId });
          expect(next.status).toBe(EXPECTED.provisionIntoHome![member]);
        }
      });
    }
  });

  it('a home has one active gateway: 409 while one is active, allowed again after revoke', async () => {
    const owner = await registerUser(server, 'owner');
    const first = await owner.http.post('/api/gateways/provision', {});
    const before = await headOf(server);
    const second = await owner.http.post('/api/gateways/provision', { home_id: first.body.home_id });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('home_has_active_gateway');
    expect(await headOf(server)).toBe(before);
    expect((await owner.http.post(`/api/gateways/${first.body.id}/revoke`)).status).toBe(200);
    expect((await owner.http.post(`/api/gateways/${first.body.id}/revoke`)).status).toBe(200); // idempotent
    const third = await owner.http.post('/api/gateways/provision', { home_id: first.body.home_id });
    expect(third.status).toBe(201);
    const list = await owner.http.get('/api/gateways/');
    expect(list.body.map((g: { id: string; status: string }) => [g.id, g.status])).toEqual([
      [first.body.id, 'revoked'],
      [third.body.id, 'pending'],
    ]);
  });

  it('two concurrent provisions for one new home: exactly one 201', async () => {
    const owner = await registerUser(server, 'owner');
    const homeId = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => owner.http.post('/api/gateways/provision', { home_id: homeId })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409, 409]);
    const log = await server.stores.eventStore.readStream(`home-${homeId}`);
    expect(log.filter((event) => event.type === 'HomeCreated')).toHaveLength(1);
    expect(log.filter((event) => event.type === 'HomeGatewayAttached')).toHaveLength(1);
  });

  it('rotate-secret: verifyGatewaySecret refuses the old secret and accepts the new; revoked and deleted never connect', async () => {
    const owner = await registerUser(server, 'owner');
    const provisioned = await owner.http.post('/api/gateways/provision', {});
    const { id, home_id: homeId, secret } = provisioned.body;
    const auth = server.gatewayAuthenticator;
    // revision: the gateway stream's last event the check read (a later revocation ends the session).
    expect(await auth.verifyGatewaySecret(id, secret)).toEqual({ gatewayId: id, homeId, revision: 0 });
    expect(await auth.verifyGatewaySecret(id, `${secret}x`)).toBeNull();
    expect(await auth.verifyGatewaySecret(randomUUID(), secret)).toBeNull();
    expect(await auth.verifyGatewaySecret('not-a-uuid', secret)).toBeNull();

    const rotated = await owner.http.post(`/api/gateways/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(Object.keys(rotated.body)).toEqual(['secret']);
    expect(rotated.body.secret).not.toBe(secret);
    expect(await auth.verifyGatewaySecret(id, secret)).toBeNull();
    expect(await auth.verifyGatewaySecret(id, rotated.body.secret)).toEqual({ gatewayId: id, homeId, revision: 1 });

    await owner.http.post(`/api/gateways/${id}/revoke`);
    expect(await auth.verifyGatewaySecret(id, rotated.body.secret)).toBeNull();
    expect((await owner.http.post(`/api/gateways/${id}/rotate-secret`)).status).toBe(409);

    const other = await owner.http.post('/api/gateways/provision', {});
    expect((await owner.http.delete(`/api/gateways/${other.body.id}`)).status).toBe(204);
    expect(await auth.verifyGatewaySecret(other.body.id, other.body.secret)).toBeNull();
    expect((await owner.http.delete(`/api/gateways/${other.body.id}`)).status).toBe(404);
    const events = await server.stores.eventStore.readStream(`gateway-${other.body.id}`);
    expect(events.map((event) => event.type)).toEqual(['GatewayProvisioned', 'GatewayDeleted']);
  });

  it('bad input is 400/401/404, never 500, and appends nothing', async () => {
    const owner = await registerUser(server, 'owner');
    const provisioned = await owner.http.post('/api/gateways/provision', {});
    const before = await headOf(server);
    const cases: Array<[Promise<{ status: number; body: any }>, number]> = [
      [anonymous.get('/api/gateways/'), 401],
      [anonymous.post('/api/gateways/provision', {}), 401],
      [owner.http.get('/api/gateways/not-a-uuid/'), 400],
      [owner.http.patch('/api/gateways/123', { name: 'x' }), 400],
      [owner.http.post('/api/gateways/%E0%A4%A/revoke'), 400],
      [owner.http.get(`/api/gateways/${randomUUID()}`), 404],
      [owner.http.patch(`/api/gateways/${randomUUID()}`, { name: 'x' }), 404],
      [owner.http.delete(`/api/gateways/${randomUUID()}`), 404],
      [owner.http.post(`/api/gateways/${randomUUID()}/revoke`), 404],
      [owner.http.post(`/api/gateways/${randomUUID()}/rotate-secret`), 404],
      [owner.http.patch(`/api/gateways/${provisioned.body.id}`, {}), 400],
      [owner.http.patch(`/api/gateways/${provisioned.body.id}`, { name: '' }), 400],
      [owner.http.patch(`/api/gateways/${provisioned.body.id}`, { name: 42 }), 400],
      [owner.http.patch(`/api/gateways/${provisioned.body.id}`, { name: 'x'.repeat(151) }), 400],
      [owner.http.post('/api/gateways/provision', { home_id: 'nope' }), 400],
      [owner.http.post('/api/gateways/provision', { home_id: 7 }), 400],
      [owner.http.post('/api/gateways/provision', { name: ['a'] }), 400],
      [owner.http.post('/api/gateways/provision', '{"name":'), 400],
      [owner.http.post('/api/gateways/provision', [1, 2]), 400],
      [owner.http.get('/api/homes/zzz'), 400],
      [owner.http.get(`/api/homes/${randomUUID()}`), 404],
    ];
    for (const [request, status] of cases) {
      const response = await request;
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      expect(response.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    }
    expect(await headOf(server)).toBe(before);
  });

  it('the OpenAPI document describes every gateway, home and permission path', async () => {
    const doc = await anonymous.get('/api/openapi.json');
    for (const path of [
      '/api/gateways/provision',
      '/api/gateways/request-pairing',
      '/api/gateways/complete-pairing',
      '/api/gateways',
      '/api/gateways/{id}',
      '/api/gateways/{id}/revoke',
      '/api/gateways/{id}/rotate-secret',
      '/api/gateways/homes/{home_id}/permissions',
      '/api/gateways/homes/{home_id}/permissions/{user_id}',
      '/api/homes',
      '/api/homes/{home_id}',
    ]) {
      expect(doc.body.paths[path], path).toBeDefined();
    }
  });

  it('homes: a member sees the home with their role; a stranger gets 404', async () => {
    const home: TestHome = await homeWithEveryRole(server);
    for (const member of MEMBERS) {
      const one = await home.people[member].http.get(`/api/homes/${home.homeId}/`);
      if (member === 'stranger') {
        expect(one.status).toBe(404);
        expect(one.body.error.code).toBe('home_not_found');
        continue;
      }
      expect(one.status).toBe(200);
      expect(one.body).toMatchObject({ id: home.homeId, role: member, owner_id: home.people.owner.id });
      const all = await home.people[member].http.get('/api/homes');
      expect(all.body).toEqual([one.body]);
    }
  });
});
