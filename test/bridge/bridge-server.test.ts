import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewaySocket, HandshakeRefused } from '../support/gateway-socket.ts';
import {
  connectedGateway,
  ownerWithGateway,
  provisionGateway,
  READ_MODEL_LAG,
  registerUser,
} from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

for (const target of serverTargets()) {
  describe(`gateway bridge over real WebSockets (${target})`, () => {
    let server: TestServer;

    beforeAll(async () => {
      server = await startTestServer(target, {
        HEARTBEAT_TIMEOUT_S: '30',
        HEARTBEAT_INTERVAL_S: '0.2',
        BRIDGE_RATE_LIMIT_PER_S: '20',
        BRIDGE_MAX_FRAME_BYTES: '4096',
      });
    });
    afterAll(async () => {
      await server?.stop();
    });

    const owner = async () => (await registerUser(server, 'bridge')).http;
    const provision = async (client?: HttpClient) => provisionGateway(client ?? (await owner()));
    const connected = (credentials: { gatewayId: string; secret: string }, auth: 'query' | 'basic' = 'query') =>
      connectedGateway(server, credentials, { auth });

    it('welcomes a gateway with good credentials (query string or Basic header)', async () => {
      const gateway = await provision();
      for (const auth of ['query', 'basic'] as const) {
        const { socket, welcome } = await connected(gateway, auth);
        expect(welcome.payload.session_id).toMatch(/^[0-9a-f-]{36}$/);
        expect(welcome.payload.heartbeat_interval_s).toBe(0.2);
        expect(typeof welcome.payload.server_time).toBe('number');
        expect(typeof welcome.request_id).toBe('string');
        socket.close();
        await socket.closed;
      }
    });

    it('refuses the handshake with HTTP 401 for bad, missing or unknown credentials', async () => {
      const gateway = await provision();
      const attempts = [
        { gatewayId: gateway.gatewayId, secret: 'wrong-secret' },
        { gatewayId: '00000000-0000-4000-8000-000000000000', secret: gateway.secret },
        { gatewayId: 'not-a-uuid', secret: gateway.secret },
        null,
      ];
      for (const credentials of attempts) {
        const error = await GatewaySocket.connect(server.url, credentials).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(HandshakeRefused);
        expect((error as HandshakeRefused).status).toBe(401);
      }
    });

    it('answers ping with pong carrying the same request_id, and legacy pings too', async () => {
      const { socket } = await connected(await provision());
      socket.send({ type: 'ping', request_id: 'p-1', timestamp: Date.now() / 1000, payload: {} });
      expect((await socket.next('pong')).request_id).toBe('p-1');
      socket.send({ type: 'ping', timestamp: new Date().toISOString() });
      const legacy = await socket.next('pong');
      expect(legacy.request_id).toBeUndefined();
      socket.close();
    });

    it('stores state durably, acks it, and serves it from the read model; an older report never wins', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      const now = Math.floor(Date.now() / 1000);
      socket.send({
        type: 'state',
        request_id: 's-1',
        timestamp: now,
        payload: { device_id: 'lamp', state: { on: true }, ts: now },
      });
      expect((await socket.next('ack')).request_id).toBe('s-1');
      socket.send({
        type: 'state',
        request_id: 's-2',
        timestamp: new Date().toISOString(),
        payload: {
          devices: [
            { device_id: 'lamp', state: { on: false }, ts: now - 60 },
            { device_id: 'sensor', state: { temp: 21.5 } },
          ],
        },
      });
      expect((await socket.next('ack')).request_id).toBe('s-2');
      const state = await vi.waitFor(async () => {
        const response = await gateway.user.get(`/api/gateways/${gateway.gatewayId}/state/`);
        expect(response.body.devices).toHaveLength(2);
        // The route reads presence, then device states: the batch that applies both can commit in between.
        expect(response.body.online).toBe(true);
        return response;
      }, READ_MODEL_LAG);
      expect(state.body.stale).toBe(false);
      const byId = Object.fromEntries(
        state.body.devices.map((d: { device_id: string; state: unknown }) => [d.device_id, d.state]),
      );
      expect(byId).toEqual({ lamp: { on: true }, sensor: { temp: 21.5 } });

      socket.close();
      await socket.closed;
      const offline = await vi.waitFor(async () => {
        const response = await gateway.user.get(`/api/gateways/${gateway.gatewayId}/state/`);
        expect(response.body.online).toBe(false);
        return response;
      }, READ_MODEL_LAG);
      // The cache keeps answering while the gateway is away, marked stale.
      expect(offline.body.stale).toBe(true);
      expect(offline.body.devices).toHaveLength(2);
    });

    it('stores a metadata sync whole and serves it for the home', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      const snapshot = { devices: [{ id: 'lamp', name: 'Lamp' }], rooms: [{ id: 'hall' }], scenes: [] };
      socket.send({ type: 'sync', request_id: 'y-1', timestamp: Date.now() / 1000, payload: snapshot });
      expect((await socket.next('ack')).request_id).toBe('y-1');
      // Acked means stored; the read model follows within milliseconds.
      const metadata = await vi.waitFor(async () => {
        const response = await gateway.user.get(`/api/homes/${gateway.homeId}/metadata/`);
        expect(response.status).toBe(200);
        return response;
      }, READ_MODEL_LAG);
      expect(metadata.body.metadata).toEqual(snapshot);
      socket.close();
    });

    it('answers every bad frame with an error frame and keeps the session', async () => {
      const { socket } = await connected(await provision());
      const bad: Array<[unknown, string]> = [
        ['{not json', 'invalid_json'],
        [{ type: 'teleport', request_id: 'x', payload: {} }, 'unknown_type'],
        [{ type: 'state', request_id: 'x', payload: {} }, 'invalid_frame'],
        [{ type: 'ack', request_id: 'nobody-asked', payload: { status: 'ok' } }, 'unknown_request'],
      ];
      for (const [frame, code] of bad) {
        socket.send(frame);
        expect((await socket.next('error')).payload.code).toBe(code);
      }
      socket.send({ type: 'ping', request_id: 'still-here' });
      expect((await socket.next('pong')).request_id).toBe('still-here');
      socket.close();
    });

    it('closes with 1009 on a frame over the size limit', async () => {
      const { socket } = await connected(await provision());
      socket.send({ type: 'sync', request_id: 'big', payload: { blob: 'x'.repeat(8192) } });
      expect((await socket.closed).code).toBe(1009);
    });

    it('rate-limits frames: an error first, then close 1008 when it persists', async () => {
      const { socket } = await connected(await provision());
      for (let i = 0; i < 25; i++) socket.send({ type: 'ping', request_id: `r${i}` });
      expect((await socket.next('error')).payload.code).toBe('rate_limited');
      const flood = setInterval(() => {
        for (let i = 0; i < 25; i++) if (socket.ws.readyState === socket.ws.OPEN) socket.send({ type: 'ping' });
      }, 100);
      const closed = await socket.closed;
      clearInterval(flood);
      expect(closed.code).toBe(1008);
    });

    it('records every ack and state report of a burst of commands over the frame rate limit', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      // Over BRIDGE_RATE_LIMIT_PER_S (20): each command's ack and state report (60 frames) within one second.
      const COMMANDS = 30;
      const answers = Array.from({ length: COMMANDS }, () =>
        gateway.user.post(`/api/gateways/${gateway.gatewayId}/commands/`, {
          device_id: 'light-1',
          action: 'turn_on',
          timeout_s: 30,
        }),
      );
      const frames = [];
      for (let i = 0; i < COMMANDS; i++) frames.push(await socket.next('command'));
      const now = Math.floor(Date.now() / 1000);
      for (const [i, frame] of frames.entries()) {
        socket.send({ type: 'ack', request_id: frame.request_id, timestamp: now, payload: { status: 'ok' } });
        const report = { device_id: 'light-1', state: { on: true, n: i }, ts: now };
        socket.send({ type: 'state', request_id: `s-${i}`, timestamp: now, payload: report });
      }
      const responses = await Promise.all(answers);
      expect(responses.map((response) => `${response.status} ${response.body.status}`)).toEqual(
        Array(COMMANDS).fill('200 succeeded'),
      );
      const stateAcks = new Set<string>();
      while (stateAcks.size < COMMANDS) stateAcks.add(String((await socket.next('ack')).request_id));
      // The credit is bounded by what was sent (2 frames per command, some left when the burst spread over two
      // seconds): beyond it, the gateway's own frames are limited as before.
      for (let i = 0; i < 2 * COMMANDS + 25; i++) socket.send({ type: 'ping', request_id: `r${i}` });
      expect((await socket.next('error')).payload.code).toBe('rate_limited');
      socket.close();
    });

    it('a second connection replaces the first, which is closed with reason replaced', async () => {
      const gateway = await provision();
      const first = await connected(gateway);
      const second = await connected(gateway);
      const closed = await first.socket.closed;
      expect(closed.reason).toBe('replaced');
      second.socket.send({ type: 'ping', request_id: 'p' });
      expect((await second.socket.next('pong')).request_id).toBe('p');
      second.socket.close();
    });

    it('revoking the gateway over REST kicks its live session within a second; it can no longer connect', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      expect((await gateway.user.post(`/api/gateways/${gateway.gatewayId}/revoke`)).status).toBe(200);
      // The revocation is in the log once the REST call answered; the bridge follows it within the second.
      const answered = Date.now();
      const closed = await socket.closed;
      expect(closed.code).toBe(4401);
      expect(Date.now() - answered).toBeLessThan(1000);
      const error = await GatewaySocket.connect(server.url, gateway).catch((e: unknown) => e);
      expect((error as HandshakeRefused).status).toBe(401);
    });

    it('rotating the secret kicks the live session; the new secret connects', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      const rotated = await gateway.user.post(`/api/gateways/${gateway.gatewayId}/rotate-secret`);
      expect(rotated.status).toBe(200);
      expect((await socket.closed).reason).toBe('revoked');
      const again = await connected({ gatewayId: gateway.gatewayId, secret: rotated.body.secret });
      again.socket.close();
    });

    it('records sessions as events and lists them newest first', async () => {
      const gateway = await provision();
      const { socket } = await connected(gateway);
      socket.send({ type: 'state', request_id: 'a', payload: { device_id: 'd', state: { x: 1 } } });
      await socket.next('ack');
      socket.close();
      await socket.closed;
      const sessions = await vi.waitFor(async () => {
        const response = await gateway.user.get(`/api/gateways/${gateway.gatewayId}/sessions/`);
        expect(response.body.items?.[0]?.ended_at).toBeTruthy();
        return response;
      }, READ_MODEL_LAG);
      const [session] = sessions.body.items;
      expect(session).toMatchObject({ close_reason: 'client_closed', frames_in: 1 });
      expect(session.frames_out).toBeGreaterThanOrEqual(2);
      const events = await server.stores.eventStore.readStream(`gateway_telemetry-${gateway.gatewayId}`);
      expect(events.map((e) => e.type)).toEqual(['BridgeSessionOpened', 'DeviceStatesReported', 'BridgeSessionClosed']);
      expect(events[1]!.metadata).toMatchObject({
        actor: { kind: 'gateway', id: gateway.gatewayId },
        gateway_session_id: session.session_id,
      });
      const gatewayView = await gateway.user.get(`/api/gateways/${gateway.gatewayId}/`);
      expect(gatewayView.body.status).toBe('offline');
      expect(gatewayView.body.last_seen).toBeTruthy();
    });

    it('strangers get 404 for state, sessions and metadata', async () => {
      const gateway = await provision();
      const stranger = await owner();
      expect((await stranger.get(`/api/gateways/${gateway.gatewayId}/state/`)).status).toBe(404);
      expect((await stranger.get(`/api/gateways/${gateway.gatewayId}/sessions/`)).status).toBe(404);
      expect((await stranger.get(`/api/homes/${gateway.homeId}/metadata/`)).status).toBe(404);
    });
  });
}

describe('gateway bridge heartbeat (pglite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A server of its own: a short timeout would also close the other tests' sessions while they wait on REST.
    server = await startTestServer('pglite', { HEARTBEAT_TIMEOUT_S: '0.5', HEARTBEAT_INTERVAL_S: '0.2' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  // That frames keep a session open is specified with fake timers in gateway-session.test.ts; this is the wiring:
  // HEARTBEAT_TIMEOUT_S reaches the session, and the close reaches the gateway with its code.
  it('closes a silent session after the heartbeat timeout, with 4000 heartbeat_timeout', async () => {
    const gateway = await ownerWithGateway(server, 'heartbeat');
    const { socket } = await connectedGateway(server, gateway);
    socket.send({ type: 'ping', request_id: 'hb' });
    await socket.next('pong');
    expect(await socket.closed).toEqual({ code: 4000, reason: 'heartbeat_timeout' });
  });
});
