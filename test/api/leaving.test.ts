import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectedGateway, homeWithEveryRole, MEMBERS, READ_MODEL_LAG, type Member } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('leaving a home, handing it over, deleting it (pglite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('every member but the owner leaves (then the home is gone for them); the owner gets 409, a stranger 404', async () => {
    const home = await homeWithEveryRole(server);
    const expected: Record<Member, number> = { stranger: 404, viewer: 204, user: 204, admin: 204, owner: 409 };
    for (const member of MEMBERS) {
      const left = await home.people[member].http.post(`/api/homes/${home.homeId}/leave`);
      expect(left.status, `${member}: ${JSON.stringify(left.body)}`).toBe(expected[member]);
      if (left.status === 204)
        expect((await home.people[member].http.get(`/api/homes/${home.homeId}/`)).status).toBe(404);
    }
    expect((await home.people.owner.http.post(`/api/homes/${home.homeId}/leave`)).body.error.code).toBe(
      'owner_cannot_leave',
    );
    const revoked = (await server.stores.eventStore.readStream(`home-${home.homeId}`)).filter(
      (event) => event.type === 'PermissionRevoked',
    );
    expect(revoked.map((event) => [event.data.user_id, event.data.revoked_by])).toEqual(
      (['viewer', 'user', 'admin'] as const).map((member) => [home.people[member].id, home.people[member].id]),
    );
  });

  it('only the owner transfers ownership, to a member; the previous owner stays as an admin and may then leave', async () => {
    const home = await homeWithEveryRole(server);
    const to = { user_id: home.people.user.id };
    const expected: Record<Member, number> = { stranger: 404, viewer: 403, user: 403, admin: 403, owner: 200 };
    for (const member of MEMBERS) {
      const answer = await home.people[member].http.post(`/api/homes/${home.homeId}/transfer-ownership`, to);
      expect(answer.status, `${member}: ${JSON.stringify(answer.body)}`).toBe(expected[member]);
      if (answer.status === 200) expect(answer.body).toMatchObject({ role: 'admin', owner_id: home.people.user.id });
    }
    expect((await home.people.user.http.get(`/api/homes/${home.homeId}/`)).body).toMatchObject({ role: 'owner' });
    const stranger = await home.people.user.http.post(`/api/homes/${home.homeId}/transfer-ownership`, {
      user_id: home.people.stranger.id,
    });
    expect([stranger.status, stranger.body.error.code]).toEqual([404, 'permission_not_found']);
    expect((await home.people.user.http.post(`/api/homes/${home.homeId}/transfer-ownership`, {})).status).toBe(400);
    expect((await home.people.owner.http.post(`/api/homes/${home.homeId}/leave`)).status).toBe(204);
    expect((await home.people.user.http.post(`/api/homes/${home.homeId}/leave`)).status).toBe(409);
  });

  it('only the owner deletes: the gateway is revoked and kicked, queued commands expire, nobody has access', async () => {
    const home = await homeWithEveryRole(server);
    const queued = await home.people.user.http.post(`/api/gateways/${home.gatewayId}/commands`, {
      device_id: 'lamp',
      action: 'turn_on',
      ttl_s: 600,
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(202);
    const { socket } = await connectedGateway(server, { gatewayId: home.gatewayId, secret: home.secret });
    const expected: Record<Exclude<Member, 'owner'>, number> = { stranger: 404, viewer: 403, user: 403, admin: 403 };
    for (const member of ['stranger', 'viewer', 'user', 'admin'] as const) {
      const refused = await home.people[member].http.delete(`/api/homes/${home.homeId}`);
      expect(refused.status, member).toBe(expected[member]);
    }
    expect((await server.stores.eventStore.readStream(`gateway-${home.gatewayId}`)).map((e) => e.type)).not.toContain(
      'GatewayRevoked',
    );
    expect((await home.people.owner.http.delete(`/api/homes/${home.homeId}`)).status).toBe(204);
    await socket.closed;
    const commandEvents = await server.stores.eventStore.readStream(`remote_command-${queued.body.id}`);
    // The socket may have taken the command before the deletion: then it was sent, and is withdrawn as timed out.
    expect([
      'RemoteCommandExpired',
      'RemoteCommandTimedOut',
      'RemoteCommandSucceeded',
      'RemoteCommandFailed',
    ]).toContain(commandEvents.at(-1)!.type);
    for (const member of MEMBERS) {
      expect((await home.people[member].http.get(`/api/homes/${home.homeId}/`)).status, member).toBe(404);
      expect((await home.people[member].http.get(`/api/gateways/${home.gatewayId}/`)).status, member).toBe(404);
    }
    // A retry by the owner who deleted it is answered as done; to everyone else the home does not exist.
    expect((await home.people.owner.http.delete(`/api/homes/${home.homeId}`)).status).toBe(204);
    expect((await home.people.admin.http.delete(`/api/homes/${home.homeId}`)).status).toBe(404);
    const homeEvents = await server.stores.eventStore.readStream(`home-${home.homeId}`);
    expect(homeEvents.slice(-2).map((event) => event.type)).toEqual(['HomeDeleted', 'PersonalDataErased']);
    expect(homeEvents[0]!.data.name ?? null).toBeNull();
    const gateway = await server.stores.eventStore.readStream(`gateway-${home.gatewayId}`);
    expect(gateway[0]!.data.name).toBe('[erased]');
    await vi.waitFor(async () => {
      const rows = await server.stores.readModels.knex('gateways').where({ id: home.gatewayId });
      expect(rows[0]).toMatchObject({ name: '[erased]', status: 'revoked' });
    }, READ_MODEL_LAG);
  });

  it('a queued command of a home deleted while its gateway is offline expires at once', async () => {
    const home = await homeWithEveryRole(server);
    const queued = await home.people.owner.http.post(`/api/gateways/${home.gatewayId}/commands`, {
      device_id: 'lamp',
      action: 'turn_on',
      ttl_s: 600,
    });
    expect(queued.status).toBe(202);
    expect((await home.people.owner.http.delete(`/api/homes/${home.homeId}`)).status).toBe(204);
    const commandEvents = await server.stores.eventStore.readStream(`remote_command-${queued.body.id}`);
    expect(commandEvents.map((event) => event.type)).toEqual(['RemoteCommandIssued', 'RemoteCommandExpired']);
  });
});
