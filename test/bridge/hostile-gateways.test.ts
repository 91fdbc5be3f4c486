import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GatewaySocket, HandshakeRefused } from '../support/gateway-socket.ts';
import { hostileFrame } from '../support/hostile-frames.ts';
import { connectedGateway, ownerWithGateway, READ_MODEL_LAG } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Issue 18, the bridge's part: one frame used to stop the process (ts 1e300, a sync nested 5,000 deep), a wrong
 * device clock pinned a state forever, anyone who knew a gateway id could keep it offline, and a gateway could
 * send refused frames or grow the log without bound without being disconnected.
 */
const MAX_REFUSED_FRAMES = 20;

for (const target of serverTargets()) {
  describe(`hostile gateways against a real server (${target})`, () => {
    let server: TestServer;
    let http: HttpClient;

    beforeAll(async () => {
      server = await startTestServer(target, {
        TRUST_PROXY: '1',
        BRIDGE_RATE_LIMIT_PER_S: '1000',
        BRIDGE_TELEMETRY_BYTES_PER_MIN: '65536',
        BRIDGE_MAX_REFUSED_FRAMES: String(MAX_REFUSED_FRAMES),
      });
      http = new HttpClient(server.url);
    });
    afterAll(async () => {
      await server?.stop();
    });

    const provision = () => ownerWithGateway(server, 'hostile');
    const connected = async (
      credentials: { gatewayId: string; secret: string },
      headers: Record<string, string> = {},
    ) => (await connectedGateway(server, credentials, { headers })).socket;

    async function stillServing(socket: GatewaySocket) {
      socket.send({ type: 'ping', request_id: 'still-here' });
      expect((await socket.next('pong')).request_id).toBe('still-here');
      expect((await http.get('/healthz')).status).toBe(200);
    }

    it('a state frame with ts 1e300 does not stop the server: error frame, never retry; the next frame is stored', async () => {
      const socket = await connected(await provision());
      socket.send({
        type: 'state',
        request_id: 'huge',
        timestamp: Date.now() / 1000,
        payload: { device_id: 'lamp', state: { on: true }, ts: 1e300 },
      });
      const error = await socket.next('error');
      expect(error).toMatchObject({ request_id: 'huge', payload: { code: 'invalid_frame', retry: 'never' } });
      socket.send({ type: 'state', request_id: 'next', payload: { device_id: 'lamp', state: { on: true } } });
      expect((await socket.next('ack')).request_id).toBe('next');
      await stillServing(socket);
      socket.close();
    });

    it('a sync frame nested 5,000 deep does not stop the server: frame_out_of_bounds, never retry', async () => {
      const socket = await connected(await provision());
      const nested = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
      socket.send(`{"type":"sync","request_id":"deep","timestamp":${Date.now() / 1000},"payload":${nested}}`);
      const error = await socket.next('error');
      expect(error).toMatchObject({ request_id: 'deep', payload: { code: 'frame_out_of_bounds', retry: 'never' } });
      await stillServing(socket);
      socket.close();
    });

    it('frames that can never be stored (NUL, lone surrogate) get a never-retry code, not store_unavailable', async () => {
      const socket = await connected(await provision());
      socket.send({ type: 'state', request_id: 'nul', payload: { device_id: 'lamp\u0000', state: {} } });
      expect((await socket.next('error')).payload).toMatchObject({ code: 'frame_out_of_bounds', retry: 'never' });
      socket.send(
        `{"type":"state","request_id":"surrogate","payload":{"device_id":"lamp","state":{"name":"\\ud800"}}}`,
      );
      expect((await socket.next('error')).payload).toMatchObject({ code: 'frame_out_of_bounds', retry: 'never' });
      await stillServing(socket);
      socket.close();
    });

    it('a year-9999 ts does not pin the state: kept flagged, ordered by receive time; a later normal report wins', async () => {
      const gateway = await provision();
      const socket = await connected(gateway);
      socket.send({
        type: 'state',
        request_id: 'far',
        payload: { device_id: 'lamp', state: { on: true }, ts: 253_402_300_799 },
      });
      expect((await socket.next('ack')).request_id).toBe('far');
      socket.send({
        type: 'state',
        request_id: 'now',
        payload: { device_id: 'lamp', state: { on: false }, ts: Date.now() / 1000 },
      });
      expect((await socket.next('ack')).request_id).toBe('now');
      const state = await vi.waitFor(async () => {
        const response = await gateway.user.get(`/api/gateways/${gateway.gatewayId}/state/`);
        expect(response.body.devices?.[0]?.state?.on).toBe(false);
        return response;
      }, READ_MODEL_LAG);
      expect(Date.parse(state.body.devices[0].reported_at)).toBeLessThan(Date.now() + 60_000);
      const events = await server.stores.eventStore.readStream(`gateway_telemetry-${gateway.gatewayId}`);
      const skewed = events.find((event) => event.type === 'DeviceStatesReported')!.data as {
        devices: Array<Record<string, unknown>>;
      };
      expect(skewed.devices[0]).toMatchObject({ device_id: 'lamp', device_ts: 253_402_300_799, clock_skewed: true });
      expect(Date.parse(String(skewed.devices[0]!.reported_at))).toBeLessThan(Date.now() + 60_000);
      socket.close();
    });

    it('a session that keeps sending invalid frames is closed with 4400 refused_frames', async () => {
      const socket = await connected(await provision());
      for (let i = 0; i < MAX_REFUSED_FRAMES; i++) socket.send({ type: 'state', request_id: `bad${i}`, payload: {} });
      expect(await socket.closed).toEqual({ code: 4400, reason: 'too many refused frames' });
      expect((await http.get('/healthz')).status).toBe(200);
    });

    it('a gateway over its telemetry byte budget gets telemetry_budget_exceeded (retry later), then 4429', async () => {
      const socket = await connected(await provision());
      const snapshot = { blob: 'x'.repeat(8_000) };
      const flood = setInterval(() => {
        for (let i = 0; i < 10; i++)
          if (socket.ws.readyState === socket.ws.OPEN)
            socket.send({ type: 'sync', request_id: `f${i}`, payload: snapshot });
      }, 50);
      try {
        expect((await socket.next('error')).payload).toMatchObject({
          code: 'telemetry_budget_exceeded',
          retry: 'later',
        });
        expect((await socket.closed).code).toBe(4429);
      } finally {
        clearInterval(flood);
      }
    });

    it('the real gateway connects after 12 wrong-secret handshakes naming its id from another address', async () => {
      const gateway = await provision();
      const attacker = { 'x-forwarded-for': '203.0.113.9' };
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) {
        const error = await GatewaySocket.connect(
          server.url,
          { gatewayId: gateway.gatewayId, secret: 'wrong' },
          { headers: attacker },
        ).catch((e: unknown) => e);
        statuses.push((error as HandshakeRefused).status);
      }
      // The attacker's own source backs off…
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.at(-1)).toBe(429);
      // …the gateway, from its own address, is not refused.
      const socket = await connected(gateway, { 'x-forwarded-for': '198.51.100.7' });
      socket.close();
    });

    it('gateways behind an address with 100+ failed handshakes still connect with the right secret', async () => {
      const gateway = await provision();
      const nat = { 'x-forwarded-for': '198.51.100.1' };
      for (let i = 0; i < 101; i++) {
        const someone = { gatewayId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, secret: 'guess' };
        await GatewaySocket.connect(server.url, someone, { headers: nat }).catch(() => undefined);
      }
      const repeated = await GatewaySocket.connect(
        server.url,
        { gatewayId: '00000000-0000-4000-8000-000000000001', secret: 'guess' },
        { headers: nat },
      ).catch((e: unknown) => e);
      expect((repeated as HandshakeRefused).status).toBe(429);
      const socket = await connected(gateway, nat);
      socket.close();
    });

    it('over a real socket, hostile frames (property) always get a never-retry error frame and the server stays up', async () => {
      const gateway = await provision();
      let socket = await connected(gateway);
      let sent = 0;
      await fc.assert(
        fc.asyncProperty(hostileFrame, async (text) => {
          // Stay under the refused-frame bound: a fresh session every so often.
          if (sent === MAX_REFUSED_FRAMES - 1) {
            socket.close();
            await socket.closed;
            socket = await connected(gateway);
            sent = 0;
          }
          sent += 1;
          socket.send(text);
          const error = await socket.next('error');
          expect(error.payload.retry).toBe('never');
        }),
        { numRuns: 40 },
      );
      await stillServing(socket);
      socket.close();
    });
  });
}
