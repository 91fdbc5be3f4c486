import fc from 'fast-check';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { homeWithEveryRole, type TestHome } from '../support/fixtures.ts';
import { FieldEdge, type FieldEntity } from '../support/field-edge.ts';
import { GatewaySocket, HandshakeRefused } from '../support/gateway-socket.ts';
import { hostileFieldFrame } from '../support/hostile-field-frames.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ENTITIES: FieldEntity[] = [
  { id: '12', name: 'Temperature', entity_type: 'sensor', state: '21.5', device_name: 'Living room sensor' },
  { id: '13', name: 'Ceiling light', entity_type: 'light', state: 'OFF', device_name: 'Living room light' },
];
const KNOWN_ENTITIES = new Set(ENTITIES.map((entity) => entity.id));

for (const target of serverTargets()) {
  describe(`the field edge's socket /ws/gateway/ (${target})`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(target, { BRIDGE_MAX_REFUSED_FRAMES: '5' });
    });
    afterAll(async () => {
      await server?.stop();
    });

    /** The first event of `type` matching `where`, from the start of the log (nothing is missed). */
    function eventOf(type: string, where: (data: Record<string, unknown>) => boolean): Promise<RecordedEvent> {
      return firstValueFrom(
        server.stores.eventStore.subscribeToAll({ filter: { eventTypes: [type] } }).pipe(
          filter((event) => where(event.data)),
          timeout(15_000),
        ),
      );
    }

    async function connectedEdge(home: TestHome): Promise<FieldEdge> {
      const edge = await FieldEdge.connect(server.url, home);
      return edge;
    }

    it('the edge’s whole exchange: get_devices on connect, its inventory and a state recorded as sent, commands acked and failed', async () => {
      const home = await homeWithEveryRole(server);
      const edge = await connectedEdge(home);
      const requestId = await edge.answerGetDevices(ENTITIES);
      expect(requestId).toBe('sync_on_connect');
      const inventory = await eventOf('DeviceInventoryReported', (d) => d.gateway_id === home.gatewayId);
      expect(inventory.data).toMatchObject({
        home_id: home.homeId,
        request_id: 'sync_on_connect',
        entities: [
          {
            entity_id: '12',
            name: 'Temperature',
            entity_type: 'sensor',
            state: '21.5',
            device_name: 'Living room sensor',
          },
          {
            entity_id: '13',
            name: 'Ceiling light',
            entity_type: 'light',
            state: 'OFF',
            device_name: 'Living room light',
          },
        ],
      });
      const opened = await eventOf('BridgeSessionOpened', (d) => d.session_id === inventory.data.session_id);
      expect(opened.data.protocol_version).toBe('field-1');

      // A state in the edge's local time, without a zone: kept as given, ordered by the time it was received.
      const sentAt = edge.stateUpdate(12, '22.0');
      const report = await eventOf('DeviceStatesReported', (d) => d.gateway_id === home.gatewayId);
      const device = (report.data.devices as Array<Record<string, unknown>>)[0]!;
      expect(device).toMatchObject({
        device_id: '12',
        state: '22.0',
        device_time_raw: sentAt,
        device_time_without_zone: true,
      });
      expect(Math.abs(Date.parse(String(device.reported_at)) - Date.parse(report.created.toISOString()))).toBeLessThan(
        60_000,
      );

      // The edge acks state updates with nothing; it pings and gets a pong.
      edge.ping();
      expect((await edge.next('pong')).type).toBe('pong');

      // The state is in the same cache as /bridge/ states, as the bare string the edge sent.
      await expect
        .poll(async () => (await home.people.viewer.http.get(`/api/gateways/${home.gatewayId}/state`)).body.devices)
        .toContainEqual(expect.objectContaining({ device_id: '12', state: '22.0' }));

      const answered = edge.answerControl(KNOWN_ENTITIES);
      const ok = await home.people.user.http.post(`/api/gateways/${home.gatewayId}/commands/`, {
        device_id: '13',
        action: 'power',
        params: { value: 'ON' },
      });
      expect(ok.status, JSON.stringify(ok.body)).toBe(200);
      expect(await answered).toEqual({
        type: 'control_entity',
        request_id: ok.body.id,
        entity_id: 13,
        command: 'power',
        value: 'ON',
      });
      expect(ok.body).toMatchObject({ status: 'succeeded', result: { message: 'Command sent to entity 13' } });

      const failing = edge.answerControl(KNOWN_ENTITIES);
      const unknown = await home.people.user.http.post(`/api/gateways/${home.gatewayId}/commands/`, {
        device_id: '999',
        action: 'power',
        params: { value: 'ON' },
      });
      await failing;
      expect(unknown.status, JSON.stringify(unknown.body)).toBe(200);
      expect(unknown.body).toMatchObject({ status: 'failed', error: { message: 'Entity 999 not found' } });
      const readBack = await home.people.user.http.get(`/api/commands/${unknown.body.id}/`);
      expect(readBack.body).toMatchObject({ status: 'failed', error: { message: 'Entity 999 not found' } });
      edge.close();
    });

    it('a scene runs as run_scene and its ack succeeds the command', async () => {
      const home = await homeWithEveryRole(server);
      const edge = await connectedEdge(home);
      await edge.answerGetDevices(ENTITIES);
      const frame = edge.next('run_scene').then((scene) => {
        edge.socket.send({
          type: 'ack',
          request_id: scene.request_id,
          status: 'success',
          message: 'Scene "Evening" executed',
        });
        return scene;
      });
      const response = await home.people.user.http.post(`/api/gateways/${home.gatewayId}/commands/`, {
        device_id: 'scene:4',
        action: 'run_scene',
        params: {},
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(await frame).toEqual({ type: 'run_scene', request_id: response.body.id, scene_id: 4 });
      expect(response.body).toMatchObject({ status: 'succeeded', result: { message: 'Scene "Evening" executed' } });
      edge.close();
    });

    it('a reconnect is a new session that is asked for the devices again; the old one closes as client_closed', async () => {
      const home = await homeWithEveryRole(server);
      const first = await connectedEdge(home);
      await first.answerGetDevices(ENTITIES);
      const firstSession = (await eventOf('DeviceInventoryReported', (d) => d.gateway_id === home.gatewayId)).data
        .session_id;
      first.close();
      await eventOf('BridgeSessionClosed', (d) => d.session_id === firstSession && d.reason === 'client_closed');
      const second = await FieldEdge.connect(server.url, home, `/ws/gateway/${home.homeId}/`);
      expect(await second.answerGetDevices(ENTITIES.slice(0, 1))).toBe('sync_on_connect');
      const again = await eventOf(
        'DeviceInventoryReported',
        (d) => d.gateway_id === home.gatewayId && d.session_id !== firstSession,
      );
      expect(again.data.entities).toHaveLength(1);
      second.close();
    });

    it('a wrong secret, or a gateway_id that is not a UUID (the edge’s home id fallback), is refused with 401', async () => {
      const home = await homeWithEveryRole(server);
      const wrong = await FieldEdge.connect(server.url, { gatewayId: home.gatewayId, secret: `${home.secret}x` }).catch(
        (e: unknown) => e,
      );
      expect((wrong as HandshakeRefused).status).toBe(401);
      const homeIdFallback = await FieldEdge.connect(server.url, { gatewayId: '1', secret: home.secret }).catch(
        (e: unknown) => e,
      );
      expect((homeIdFallback as HandshakeRefused).status).toBe(401);
      const otherPath = await FieldEdge.connect(server.url, home, '/ws/gateways/').catch((e: unknown) => e);
      expect((otherPath as HandshakeRefused).status).toBe(404);
    });

    it('revoking the gateway closes its field session (4401 revoked)', async () => {
      const home = await homeWithEveryRole(server);
      const edge = await connectedEdge(home);
      await edge.next('get_devices');
      expect((await home.people.owner.http.post(`/api/gateways/${home.gatewayId}/revoke`)).status).toBe(200);
      expect(await edge.socket.closed).toEqual({ code: 4401, reason: 'revoked' });
    });

    it('POST /api/homes/{home}/devices/sync sends get_devices with its request id; 403 for a user, 409 gateway_offline without a session', async () => {
      const home = await homeWithEveryRole(server);
      const offline = await home.people.owner.http.post(`/api/homes/${home.homeId}/devices/sync`);
      expect(offline.status, JSON.stringify(offline.body)).toBe(409);
      expect(offline.body.error.code).toBe('gateway_offline');
      const edge = await connectedEdge(home);
      await edge.answerGetDevices(ENTITIES);
      await eventOf('DeviceInventoryReported', (d) => d.gateway_id === home.gatewayId);
      expect((await home.people.user.http.post(`/api/homes/${home.homeId}/devices/sync`)).status).toBe(403);
      expect((await home.people.stranger.http.post(`/api/homes/${home.homeId}/devices/sync/`)).status).toBe(404);
      const asked = await home.people.admin.http.post(`/api/homes/${home.homeId}/devices/sync/`);
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      expect(asked.body).toMatchObject({ gateway_id: home.gatewayId, home_id: home.homeId, status: 'requested' });
      expect(await edge.answerGetDevices(ENTITIES)).toBe(asked.body.request_id);
      const reported = await eventOf('DeviceInventoryReported', (d) => d.request_id === asked.body.request_id);
      expect(reported.data.gateway_id).toBe(home.gatewayId);
      const openapi = await new HttpClient(server.url).get('/api/openapi.json');
      expect(Object.keys(openapi.body.paths['/api/homes/{home_id}/devices/sync'].post.responses)).toEqual(
        expect.arrayContaining(['202', '403', '404', '409']),
      );
      // The edge may ask for a sync itself.
      edge.socket.send({ type: 'sync_request' });
      expect((await edge.next('get_devices')).request_id).toMatch(/^sync_/);
      edge.close();
    });

    it('an edge error for sync_on_connect is logged, not a command failure; the session stays open', async () => {
      const home = await homeWithEveryRole(server);
      const edge = await connectedEdge(home);
      await edge.next('get_devices');
      edge.socket.send({ type: 'error', request_id: 'sync_on_connect', message: 'No home found locally!' });
      edge.ping();
      expect((await edge.next('pong')).type).toBe('pong');
      edge.close();
    });

    it('hostile field frames are refused without an error frame, counted, and close the session at the bound; the server keeps serving', async () => {
      const home = await homeWithEveryRole(server);
      const frames = fc.sample(hostileFieldFrame, 5);
      const edge = await connectedEdge(home);
      await edge.next('get_devices');
      for (const frame of frames) edge.socket.send(frame);
      expect(await edge.socket.closed).toEqual({ code: 4400, reason: 'too many refused frames' });
      // Never our `error` frame: the field edge does not know it.
      expect(edge.socket.hasReceived('error')).toBe(false);
      const again = await connectedEdge(home);
      expect((await again.next('get_devices')).request_id).toBe('sync_on_connect');
      again.close();
    });
  });
}

describe('the field dialect’s heartbeat', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite', { HEARTBEAT_TIMEOUT_S: '0.3', HEARTBEAT_INTERVAL_S: '0.2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a field edge (first ping after 30 s) is not closed for silence when HEARTBEAT_TIMEOUT_S is shorter', async () => {
    const home = await homeWithEveryRole(server);
    const edge = await FieldEdge.connect(server.url, home);
    await edge.next('get_devices');
    // A silent /bridge/ gateway of another home is closed at the timeout, twice over, while the field edge stays.
    const other = await homeWithEveryRole(server);
    for (let round = 0; round < 2; round++) {
      const silent = await GatewaySocket.connect(server.url, other);
      expect((await silent.closed).reason).toBe('heartbeat_timeout');
    }
    edge.ping();
    expect((await edge.next('pong')).type).toBe('pong');
    edge.close();
  });
});
