import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectedGateway, headOf, homeWithEveryRole, READ_MODEL_LAG, type TestHome } from '../support/fixtures.ts';
import { AppClient, recordInventory, type InventoryEntity } from '../support/app-client.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import type { Position } from '../../src/eventstore/port.ts';
import { maxPosition } from '../../src/eventstore/position.ts';

/** An edge's inventory as its `devices_response` lists it: string ids, bare states, grouped by device_name. */
const INVENTORY: InventoryEntity[] = [
  {
    entity_id: '12',
    name: 'Ceiling light',
    entity_type: 'light',
    device_name: 'Living Room Node',
    state: { power: 'OFF' },
  },
  {
    entity_id: '13',
    name: 'Temperature',
    entity_type: 'sensor',
    device_name: 'Living Room Node',
    state: '21.5',
    unit: '°C',
  },
  {
    entity_id: '20',
    name: 'Fan',
    entity_type: 'fan',
    device_name: 'Bedroom Node',
    state: 'off',
    is_controllable: true,
    capabilities: { speed: true },
  },
];

for (const target of serverTargets()) {
  describe(`the mobile app's REST calls (${target})`, () => {
    let server: TestServer;
    const sockets: GatewaySocket[] = [];

    beforeAll(async () => {
      server = await startTestServer(target);
    });
    afterEach(() => {
      for (const socket of sockets.splice(0)) socket.close();
    });
    afterAll(async () => {
      await server?.stop();
    });

    const app = (home: TestHome, who: keyof TestHome['people'] = 'owner') =>
      new AppClient(server.url, tokenOf(home, who));
    const tokenOf = (home: TestHome, who: keyof TestHome['people']) => home.people[who].access;

    async function connectGateway(home: TestHome) {
      const { socket } = await connectedGateway(server, home);
      sockets.push(socket);
      return socket;
    }

    /** Until the read models hold everything in the log now (telemetry is read back from them). */
    /**
     * Waits until the read models hold the log's head — and `written`, an append of the test's own: the head obeys
     * the read horizon, so it can lie below an append that committed while an older one (a session's telemetry) was
     * still open.
     */
    async function settled(written?: Position) {
      const types = ['DeviceInventoryReported', 'DeviceStatesReported', 'BridgeSessionOpened', 'BridgeSessionClosed'];
      const head = await headOf(server);
      const target = written === undefined ? head : maxPosition(head, written);
      expect(await server.projections.waitFor(target, types, 15_000)).toBe(true);
    }

    /** Waits (through the app's own call) until the read model shows the gateway online since a session. */
    function untilOnline(home: TestHome) {
      return vi.waitFor(async () => {
        const status = await app(home).getGatewayStatus(home.homeId);
        expect(status.body).toMatchObject({ status: 'online', connected_at: expect.any(String) });
        return status;
      }, READ_MODEL_LAG);
    }

    it("GET /api/remote/gateways lists the caller's homes with gateway and status, and needs a token", async () => {
      const home = await homeWithEveryRole(server);
      const before = await app(home).getGateways();
      expect(before.status).toBe(200);
      expect(before.body).toEqual([
        { home_id: home.homeId, role: 'owner', gateway_id: home.gatewayId, status: 'pending' },
      ]);
      expect((await app(home, 'viewer').raw('GET', '/remote/gateways/')).body).toEqual([
        { home_id: home.homeId, role: 'viewer', gateway_id: home.gatewayId, status: 'pending' },
      ]);
      expect((await app(home, 'stranger').getGateways()).body).toEqual([]);
      const anonymous = await new AppClient(server.url, null).getGateways();
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('not_authenticated');

      await connectGateway(home);
      await untilOnline(home);
      expect((await app(home).getGateways()).body[0]).toMatchObject({ home_id: home.homeId, status: 'online' });
    });

    it('GET /api/remote/homes/{home}/status answers offline, then online with connected_at; stranger 404, bad id 400', async () => {
      const home = await homeWithEveryRole(server);
      const offline = await app(home, 'viewer').getGatewayStatus(home.homeId);
      expect(offline.status).toBe(200);
      expect(offline.body).toEqual({
        gateway_id: home.gatewayId,
        status: 'offline',
        last_ping: null,
        connected_at: null,
      });

      const socket = await connectGateway(home);
      const online = await untilOnline(home);
      expect(online.body.gateway_id).toBe(home.gatewayId);
      expect(Date.parse(online.body.connected_at)).not.toBeNaN();
      expect(Date.parse(online.body.last_ping)).not.toBeNaN();
      expect((await app(home).raw('GET', `/remote/homes/${home.homeId}/status/`)).status).toBe(200);

      socket.close();
      await vi.waitFor(
        async () =>
          expect((await app(home).getGatewayStatus(home.homeId)).body).toMatchObject({
            status: 'offline',
            connected_at: null,
          }),
        READ_MODEL_LAG,
      );

      const stranger = await app(home, 'stranger').getGatewayStatus(home.homeId);
      expect(stranger.status).toBe(404);
      expect(stranger.body.error.code).toBe('home_not_found');
      expect((await app(home).getGatewayStatus('1')).status).toBe(400);
      expect((await new AppClient(server.url, null).getGatewayStatus(home.homeId)).status).toBe(401);
    });

    it('GET /api/homes/{home}/devices/ groups the inventory by device_name, keeps "21.5" a string, and a newer state wins', async () => {
      const home = await homeWithEveryRole(server);
      expect((await app(home).getDevices(home.homeId)).body).toEqual([]);
      const inventoryAt = await recordInventory(server.stores.eventStore, home.gatewayId, home.homeId, INVENTORY);
      const socket = await connectGateway(home);
      socket.send({
        type: 'state',
        request_id: 's-1',
        timestamp: Date.now() / 1000,
        payload: { device_id: '12', state: { power: 'ON' } },
      });
      await socket.next('ack');
      await settled(inventoryAt);

      const response = await app(home, 'viewer').getDevices(home.homeId);
      expect(response.status).toBe(200);
      const [living, bedroom] = response.body;
      expect(response.body).toHaveLength(2);
      expect(living).toMatchObject({ name: 'Living Room Node', node_name: 'Living Room Node', is_online: true });
      expect(Number.isSafeInteger(living.id)).toBe(true);
      expect(living.entities).toEqual([
        {
          id: 12,
          name: 'Ceiling light',
          entity_type: 'light',
          state: { power: 'ON' },
          unit: null,
          is_controllable: false,
          capabilities: {},
        },
        {
          id: 13,
          name: 'Temperature',
          entity_type: 'sensor',
          state: '21.5',
          unit: '°C',
          is_controllable: false,
          capabilities: {},
        },
      ]);
      expect(bedroom).toMatchObject({
        name: 'Bedroom Node',
        entities: [{ id: 20, state: 'off', is_controllable: true, capabilities: { speed: true } }],
      });
      expect(bedroom.id).not.toBe(living.id);
      // The device ids stay the same across a new inventory (the app keys its list by them).
      const replacedAt = await recordInventory(
        server.stores.eventStore,
        home.gatewayId,
        home.homeId,
        INVENTORY.slice(0, 1),
      );
      await settled(replacedAt);
      const replaced = await app(home).raw('GET', `/homes/${home.homeId}/devices`);
      expect(replaced.body).toEqual([
        expect.objectContaining({ id: living.id, entities: [expect.objectContaining({ id: 12 })] }),
      ]);

      expect((await app(home, 'stranger').getDevices(home.homeId)).status).toBe(404);
      expect((await new AppClient(server.url, null).getDevices(home.homeId)).status).toBe(401);
    });

    it("control: the app's {command, value} reaches a /bridge/ gateway as a command frame, the ack answers 200", async () => {
      const home = await homeWithEveryRole(server);
      const socket = await connectGateway(home);
      const pending = app(home, 'user').controlEntity(home.homeId, 12, 'power', 'ON');
      const frame = await socket.next('command');
      expect(frame.payload).toMatchObject({ device_id: '12', action: 'power', params: { value: 'ON' } });
      socket.send({
        type: 'ack',
        request_id: frame.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok', result: { message: 'Light turned on' } },
      });
      const response = await pending;
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toEqual({ command_id: frame.request_id, status: 'succeeded', message: 'Light turned on' });
      const detail = await app(home, 'viewer').raw('GET', `/commands/${response.body.command_id}/`);
      expect(detail.body).toMatchObject({
        status: 'succeeded',
        device_id: '12',
        action: 'power',
        params: { value: 'ON' },
        issued_by: home.people.user.id,
      });

      // A command without a value (JSON.stringify leaves out `value: undefined`): params {}.
      const bare = app(home).controlEntity(home.homeId, 12, 'toggle');
      const second = await socket.next('command');
      expect(second.payload).toMatchObject({ device_id: '12', action: 'toggle', params: {} });
      socket.send({
        type: 'ack',
        request_id: second.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok' },
      });
      expect((await bare).body).toEqual({ command_id: second.request_id, status: 'succeeded' });
    });

    it("control that fails at the edge is not a 2xx: 502 with the edge's message", async () => {
      const home = await homeWithEveryRole(server);
      const socket = await connectGateway(home);
      const pending = app(home).controlEntity(home.homeId, 999, 'power', 'ON');
      const frame = await socket.next('command');
      socket.send({
        type: 'ack',
        request_id: frame.request_id,
        timestamp: new Date().toISOString(),
        status: 'error',
        data: { error: 'Entity 999 not found' },
      });
      const response = await pending;
      expect(response.status).toBe(502);
      expect(response.body).toMatchObject({
        command_id: frame.request_id,
        status: 'failed',
        message: 'Entity 999 not found',
        error: { code: 'command_failed', message: 'Entity 999 not found', details: { command_id: frame.request_id } },
      });
      expect((await app(home).raw('GET', `/commands/${frame.request_id}/`)).body.status).toBe('failed');
    });

    it('control and scene run with the gateway offline answer 409 gateway_offline and record nothing', async () => {
      const home = await homeWithEveryRole(server);
      const head = await headOf(server);
      const control = await app(home).controlEntity(home.homeId, 12, 'power', 'ON');
      expect(control.status).toBe(409);
      expect(control.body.error.code).toBe('gateway_offline');
      expect((await app(home).runScene(home.homeId, 3)).status).toBe(409);
      expect(await headOf(server)).toBe(head);
    });

    it('control: viewer 403, stranger 404, no token 401', async () => {
      const home = await homeWithEveryRole(server);
      await connectGateway(home);
      const viewer = await app(home, 'viewer').controlEntity(home.homeId, 12, 'power', 'ON');
      expect(viewer.status).toBe(403);
      expect(viewer.body.error.code).toBe('forbidden');
      const stranger = await app(home, 'stranger').controlEntity(home.homeId, 12, 'power', 'ON');
      expect(stranger.status).toBe(404);
      expect(stranger.body.error.code).toBe('home_not_found');
      expect((await new AppClient(server.url, null).controlEntity(home.homeId, 12, 'power', 'ON')).status).toBe(401);
      expect((await app(home, 'viewer').runScene(home.homeId, 3)).status).toBe(403);
    });

    it('control: bad input answers 400 with details and records nothing', async () => {
      const home = await homeWithEveryRole(server);
      await connectGateway(home);
      const head = await headOf(server);
      const owner = app(home);
      const missing = await owner.raw('POST', `/remote/homes/${home.homeId}/entities/12/control`, { value: 'ON' });
      expect(missing.status).toBe(400);
      expect(missing.body.error).toMatchObject({
        code: 'validation_error',
        details: { issues: [expect.objectContaining({ path: 'command' })] },
      });
      expect((await owner.controlEntity(home.homeId, 12, 'x'.repeat(101), 'ON')).status).toBe(400);
      let deep: unknown = 'ON';
      for (let i = 0; i < 20; i++) deep = { nested: deep };
      const tooDeep = await owner.controlEntity(home.homeId, 12, 'power', deep);
      expect(tooDeep.status).toBe(400);
      expect(tooDeep.body.error.details.issues[0].message).toMatch(/deep/);
      expect((await owner.controlEntity(home.homeId, 12, 'power', 'x'.repeat(20_000))).status).toBe(400);
      const badEntity = await owner.controlEntity(home.homeId, 'a%20b', 'power', 'ON');
      expect(badEntity.status).toBe(400);
      expect(badEntity.body.error).toMatchObject({ code: 'invalid_id', details: { param: 'entity_id' } });
      expect((await owner.controlEntity('1', 12, 'power', 'ON')).status).toBe(400);
      const badKey = await owner.controlEntity(home.homeId, 12, 'power', 'ON', { 'idempotency-key': 'not-a-uuid' });
      expect(badKey.body.error.code).toBe('invalid_idempotency_key');
      expect(await headOf(server)).toBe(head);
    });

    it('scene run: no body becomes run_scene on device scene:<id>; an Idempotency-Key retry answers the same command', async () => {
      const home = await homeWithEveryRole(server);
      const socket = await connectGateway(home);
      const pending = app(home).runScene(home.homeId, 3);
      const frame = await socket.next('command');
      expect(frame.payload).toMatchObject({ device_id: 'scene:3', action: 'run_scene', params: {} });
      socket.send({
        type: 'ack',
        request_id: frame.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok', result: { message: 'Scene started' } },
      });
      expect((await pending).body).toEqual({
        command_id: frame.request_id,
        status: 'succeeded',
        message: 'Scene started',
      });
      // With Content-Type and an empty body too (clients differ).
      const empty = app(home).raw('POST', `/remote/homes/${home.homeId}/scenes/4/run`, undefined, {
        'content-type': 'application/json',
      });
      const emptyFrame = await socket.next('command');
      socket.send({
        type: 'ack',
        request_id: emptyFrame.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok' },
      });
      expect((await empty).status).toBe(200);

      const key = crypto.randomUUID();
      const first = app(home).controlEntity(home.homeId, 20, 'speed', 2, { 'idempotency-key': key });
      const keyed = await socket.next('command');
      socket.send({
        type: 'ack',
        request_id: keyed.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok' },
      });
      expect((await first).status).toBe(200);
      const head = await headOf(server);
      const retry = await app(home).controlEntity(home.homeId, 20, 'speed', 2, { 'idempotency-key': key });
      expect(retry.status).toBe(200);
      expect(retry.body.command_id).toBe(keyed.request_id);
      expect(await headOf(server)).toBe(head);
    });

    it('the OpenAPI document describes every app call and the live socket', async () => {
      const doc = await new AppClient(server.url, null).raw('GET', '/openapi.json');
      for (const path of [
        '/api/remote/gateways',
        '/api/remote/homes/{home_id}/status',
        '/api/homes/{home_id}/devices',
        '/api/remote/homes/{home_id}/entities/{entity_id}/control',
        '/api/remote/homes/{home_id}/scenes/{scene_id}/run',
        '/ws/home/{id}',
      ]) {
        expect(doc.body.paths[path], path).toBeDefined();
      }
    });
  });
}
