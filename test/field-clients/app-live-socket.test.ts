import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectedGateway,
  headOf,
  homeWithEveryRole,
  provisionGateway,
  registerUser,
  type TestHome,
} from '../support/fixtures.ts';
import { TokenService } from '../../src/api/auth/token-service.ts';
import { AppClient, AppLiveSocket, recordInventory } from '../support/app-client.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const tokenOf = (home: TestHome, who: keyof TestHome['people']) => home.people[who].access;

for (const target of serverTargets()) {
  describe(`the mobile app's live socket /ws/home/{id}/ (${target})`, () => {
    let server: TestServer;
    const open: Array<{ close(): void }> = [];

    beforeAll(async () => {
      server = await startTestServer(target, { APP_SOCKETS_PER_USER: '2' });
    });
    afterEach(() => {
      for (const socket of open.splice(0)) socket.close();
    });
    afterAll(async () => {
      await server?.stop();
    });

    async function live(homeId: string | number, token: string | null) {
      const socket = await AppLiveSocket.connect(server.url, homeId, token);
      open.push(socket);
      return socket;
    }

    async function gateway(home: TestHome) {
      const { socket } = await connectedGateway(server, home);
      open.push(socket);
      return socket;
    }

    async function settled() {
      expect(
        await server.projections.waitFor(
          await headOf(server),
          ['DeviceInventoryReported', 'DeviceStatesReported', 'PermissionRevoked'],
          15_000,
        ),
      ).toBe(true);
    }

    it("pushes device_status when the gateway connects and leaves, and entity_state for its state frames, with the device list's ids", async () => {
      const home = await homeWithEveryRole(server);
      await recordInventory(server.stores.eventStore, home.gatewayId, home.homeId, [
        {
          entity_id: '12',
          name: 'Ceiling light',
          entity_type: 'light',
          device_name: 'Living Room Node',
          state: { power: 'OFF' },
        },
        { entity_id: '13', name: 'Temperature', entity_type: 'sensor', device_name: 'Living Room Node', state: '21.5' },
      ]);
      await settled();
      const [living] = (await new AppClient(server.url, tokenOf(home, 'viewer')).getDevices(home.homeId)).body;
      const app = await live(home.homeId, tokenOf(home, 'viewer'));

      const edge = await gateway(home);
      expect(await app.next((frame) => frame.type === 'device_status')).toEqual({
        type: 'device_status',
        device_id: living.id,
        is_online: true,
      });
      edge.send({
        type: 'state',
        request_id: 's-1',
        timestamp: Date.now() / 1000,
        payload: { device_id: '13', state: { value: 22 } },
      });
      expect(await app.next((frame) => frame.type === 'entity_state')).toEqual({
        type: 'entity_state',
        entity_id: 13,
        state: { value: 22 },
        device_id: living.id,
        is_online: true,
      });
      // An entity the inventory does not know still reaches the app (without a device id).
      edge.send({
        type: 'state',
        request_id: 's-2',
        timestamp: Date.now() / 1000,
        payload: { device_id: 'lamp-x', state: { on: true } },
      });
      expect(await app.next((frame) => frame.type === 'entity_state')).toEqual({
        type: 'entity_state',
        entity_id: 'lamp-x',
        state: { on: true },
        is_online: true,
      });

      edge.close();
      expect(await app.next((frame) => frame.type === 'device_status')).toEqual({
        type: 'device_status',
        device_id: living.id,
        is_online: false,
      });
    });

    it("a numeric home id resolves to the caller's only home with a gateway; with two the socket closes 4404 naming the cloud home id", async () => {
      const home = await homeWithEveryRole(server);
      const app = await live(1, tokenOf(home, 'owner'));
      const edge = await gateway(home);
      edge.send({
        type: 'state',
        request_id: 's-1',
        timestamp: Date.now() / 1000,
        payload: { device_id: '7', state: { on: true } },
      });
      expect(await app.next((frame) => frame.type === 'entity_state')).toMatchObject({
        entity_id: 7,
        state: { on: true },
      });

      const second = await home.people.owner.http.post('/api/gateways/provision', { name: 'Cottage' });
      expect(second.status).toBe(201);
      await settled();
      const ambiguous = await live(1, tokenOf(home, 'owner'));
      const closed = await ambiguous.closed;
      expect(closed.code).toBe(4404);
      expect(closed.reason).toMatch(/cloud home id/);
    });

    it('refuses at the upgrade: no token or a bad one 401, a stranger 404, a malformed id 400', async () => {
      const home = await homeWithEveryRole(server);
      await expect(live(home.homeId, null)).rejects.toThrow('HTTP 401');
      await expect(live(home.homeId, 'not.a.token')).rejects.toThrow('HTTP 401');
      const refresh = await new HttpClient(server.url).post('/api/auth/login', {
        email: home.people.viewer.email,
        password: 'correct horse battery',
      });
      await expect(live(home.homeId, refresh.body.refresh)).rejects.toThrow('HTTP 401');
      await expect(live(home.homeId, tokenOf(home, 'stranger'))).rejects.toThrow('HTTP 404');
      await expect(live('not-a-home', tokenOf(home, 'owner'))).rejects.toThrow('HTTP 400');
      // A stranger's numeric id has no home with a gateway to resolve to.
      const nowhere = await live(1, tokenOf(home, 'stranger'));
      expect((await nowhere.closed).code).toBe(4404);
    });

    it("revoking the member closes their socket with 4403, and a logout closes the user's sockets with 4401", async () => {
      const home = await homeWithEveryRole(server);
      const viewer = await live(home.homeId, tokenOf(home, 'viewer'));
      const revoked = await home.people.owner.http.delete(
        `/api/gateways/homes/${home.homeId}/permissions/${home.people.viewer.id}/`,
      );
      expect(revoked.status, JSON.stringify(revoked.body)).toBe(204);
      expect(await viewer.closed).toEqual({ code: 4403, reason: 'your access to this home was revoked' });
      await settled();
      await expect(live(home.homeId, tokenOf(home, 'viewer'))).rejects.toThrow('HTTP 404');

      const person = await registerUser(server, 'live');
      const { homeId } = await provisionGateway(person);
      const socket = await live(homeId, person.access);
      expect((await new HttpClient(server.url).post('/api/auth/logout', { refresh: person.refresh })).status).toBe(204);
      expect((await socket.closed).code).toBe(4401);
    });

    it('answers pings, refuses other frames with an error, closes 1009 on an oversize frame, and bounds sockets per user (429)', async () => {
      const home = await homeWithEveryRole(server);
      const app = await live(home.homeId, tokenOf(home, 'user'));
      app.send({ type: 'ping', request_id: 'p1' });
      expect(await app.next((frame) => frame.type === 'pong')).toMatchObject({ request_id: 'p1' });
      app.send({
        type: 'control_entity',
        request_id: 'req_1',
        home_id: 1,
        entity_id: 12,
        command: 'power',
        value: 'ON',
      });
      expect(await app.next((frame) => frame.type === 'error')).toMatchObject({
        request_id: 'req_1',
        message: expect.stringMatching(/REST/),
      });
      app.send('not json');
      expect(await app.next((frame) => frame.type === 'error')).toMatchObject({ message: expect.any(String) });

      await live(home.homeId, tokenOf(home, 'user'));
      await expect(live(home.homeId, tokenOf(home, 'user'))).rejects.toThrow('HTTP 429');

      app.send(JSON.stringify({ type: 'ping', pad: 'x'.repeat(5000) }));
      expect((await app.closed).code).toBe(1009);
      // The bound counts open sockets: one closed, one more may open.
      await live(home.homeId, tokenOf(home, 'user'));
    });

    it('a socket lives no longer than its access token: it closes with 4401 when the token expires', async () => {
      const home = await homeWithEveryRole(server);
      // Two seconds, not one: `iat` is whole seconds, so a one-second token signed late in a second may already be
      // expired by the time the upgrade checks it (a 401 instead of the close this test is about).
      const shortLived = await new TokenService({ secret: server.env.JWT_SECRET! }, 2, 60).signAccess(
        home.people.viewer.id,
      );
      const socket = await live(home.homeId, shortLived);
      expect(await socket.closed).toEqual({ code: 4401, reason: 'access token expired; reconnect with a new one' });
    });

    it('a registered user without homes is refused for any uuid home (404)', async () => {
      const loner = await registerUser(server, 'loner');
      await expect(live(crypto.randomUUID(), loner.access)).rejects.toThrow('HTTP 404');
    });
  });
}
