import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allProjections } from '../../src/projections/all-projections.ts';
import { connectedGateway, registerUser, provisionGateway } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const METRICS_TOKEN = 'scraper-token-0123456789abcdef';

/** The value of one sample of a scrape: `name` with at least these labels (undefined when absent). */
function sampleOf(scrape: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of scrape.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

async function scrape(url: string, token: string | null = METRICS_TOKEN) {
  const response = await fetch(`${url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

for (const target of serverTargets()) {
  describe(`/metrics on the main port behind METRICS_TOKEN (${target})`, () => {
    let server: TestServer;
    let socket: GatewaySocket | null = null;

    beforeAll(async () => {
      server = await startTestServer(target, { METRICS_TOKEN });
    });
    afterAll(async () => {
      socket?.close();
      await server?.stop();
    });

    it('a scrape without the token, or with a wrong one, is a 401 JSON error', async () => {
      for (const token of [null, 'scraper-token-0123456789abcdeX', METRICS_TOKEN.slice(0, 8)]) {
        const response = await scrape(server.url, token);
        expect(response.status).toBe(401);
        expect(JSON.parse(response.text).error.code).toBe('invalid_metrics_token');
      }
      const basic = await fetch(`${server.url}/metrics`, { headers: { authorization: `Basic ${METRICS_TOKEN}` } });
      expect(basic.status).toBe(401);
    });

    it('after a register, a provision, a gateway with a state frame and a command, the scrape shows each series', async () => {
      const owner = await registerUser(server, 'metrics');
      const gateway = await provisionGateway(owner);
      ({ socket } = await connectedGateway(server, gateway));
      socket.send({
        type: 'state',
        request_id: 's-1',
        timestamp: Date.now() / 1000,
        payload: { device_id: 'lamp', state: { on: true } },
      });
      expect((await socket.next('ack')).request_id).toBe('s-1');
      const issued = owner.http.post(`/api/gateways/${gateway.gatewayId}/commands/`, {
        device_id: 'lamp',
        action: 'turn_on',
      });
      const command = await socket.next('command');
      socket.send({
        type: 'ack',
        request_id: command.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok' },
      });
      expect((await issued).status).toBe(200);
      expect((await owner.http.get(`/api/commands/${command.request_id}/`)).status).toBe(200);
      expect((await new HttpClient(server.url).get('/no/such/path')).status).toBe(404);

      const { status, type, text } = await scrape(server.url);
      expect(status).toBe(200);
      expect(type).toMatch(/^text\/plain/);

      // HTTP: route templates, never raw ids.
      expect(
        sampleOf(text, 'smarthome_http_requests_total', { method: 'POST', route: '/api/auth/register', status: '201' }),
      ).toBe(1);
      expect(sampleOf(text, 'smarthome_http_requests_total', { route: '/api/gateways/provision', status: '201' })).toBe(
        1,
      );
      expect(
        sampleOf(text, 'smarthome_http_requests_total', { route: '/api/gateways/:id/commands', status: '200' }),
      ).toBe(1);
      expect(sampleOf(text, 'smarthome_http_requests_total', { route: '/api/commands/:id', status: '200' })).toBe(1);
      expect(sampleOf(text, 'smarthome_http_requests_total', { route: 'unmatched', status: '404' })).toBe(1);
      expect(sampleOf(text, 'smarthome_http_request_duration_seconds_count', { route: '/api/auth/register' })).toBe(1);
      for (const id of [owner.id, gateway.gatewayId, gateway.homeId, String(command.request_id)])
        expect(text).not.toContain(id);

      // Bridge: one open session of the bridge dialect, the handshake, frames by type both ways.
      expect(sampleOf(text, 'smarthome_bridge_sessions_open', { dialect: 'bridge' })).toBe(1);
      expect(sampleOf(text, 'smarthome_bridge_sessions_open', { dialect: 'field' })).toBe(0);
      expect(sampleOf(text, 'smarthome_bridge_handshakes_total', { outcome: 'accepted' })).toBe(1);
      expect(sampleOf(text, 'smarthome_bridge_frames_in_total', { dialect: 'bridge', type: 'state' })).toBe(1);
      expect(sampleOf(text, 'smarthome_bridge_frames_in_total', { dialect: 'bridge', type: 'ack' })).toBe(1);
      for (const frameType of ['welcome', 'ack', 'command']) {
        expect(sampleOf(text, 'smarthome_bridge_frames_out_total', { dialect: 'bridge', type: frameType })).toBe(1);
      }

      // Remote commands: the outcome and its round trip.
      expect(sampleOf(text, 'smarthome_remote_command_outcomes_total', { outcome: 'succeeded' })).toBe(1);
      expect(sampleOf(text, 'smarthome_remote_command_outcomes_total', { outcome: 'timed_out' })).toBe(0);
      expect(sampleOf(text, 'smarthome_remote_command_round_trip_seconds_count', { outcome: 'succeeded' })).toBe(1);

      // Event store: appends were timed and their sizes counted.
      const appends = ['append_to_stream', 'append_to_streams'].map(
        (operation) => sampleOf(text, 'smarthome_event_store_append_duration_seconds_count', { operation }) ?? 0,
      );
      expect(appends[0]! + appends[1]!).toBeGreaterThan(0);
      expect(
        sampleOf(text, 'smarthome_event_store_append_events_sum', { operation: 'append_to_stream' }),
      ).toBeGreaterThan(0);

      // Projections: lag in events and seconds, and dead letters, per projection.
      for (const { name } of allProjections) {
        for (const metric of [
          'smarthome_projection_lag_events',
          'smarthome_projection_lag_seconds',
          'smarthome_projection_rejected_events',
        ]) {
          expect(sampleOf(text, metric, { projection: name }), `${metric} ${name}`).toBeGreaterThanOrEqual(0);
        }
      }

      // The process, the compensation counter (in the same registry), and the pool where there is one.
      expect(sampleOf(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
      expect(sampleOf(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(text).toContain('# TYPE smarthome_compensation_failures_total counter');
      if (target === 'postgres') {
        expect(
          sampleOf(text, 'smarthome_db_pool_connections', { database: 'read_models', state: 'free' }),
        ).toBeGreaterThanOrEqual(0);
      } else expect(text).not.toContain('smarthome_db_pool_connections{');

      // No secret in any label or value.
      for (const secret of [METRICS_TOKEN, gateway.secret, server.env.JWT_SECRET!, owner.access])
        expect(text).not.toContain(secret);
    });
  });
}

describe('/metrics without METRICS_TOKEN', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer('pglite', { METRICS_PORT: '0' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('is a 404 on the main port, and METRICS_PORT serves it without a token', async () => {
    expect((await scrape(server.url)).status).toBe(404);
    expect(server.metricsUrl).not.toBeNull();
    expect(server.metricsUrl).not.toBe(server.url);
    const gateway = await provisionGateway(await registerUser(server, 'separate-port'));
    const field = await GatewaySocket.connect(server.url, gateway, { path: '/ws/gateway/' });
    await field.next('get_devices');
    const { status, text } = await scrape(server.metricsUrl!, null);
    field.close();
    expect(status).toBe(200);
    expect(sampleOf(text, 'smarthome_http_requests_total', { route: '/api/auth/register', status: '201' })).toBe(1);
    expect(sampleOf(text, 'smarthome_bridge_sessions_open', { dialect: 'bridge' })).toBe(0);
    expect(sampleOf(text, 'smarthome_bridge_sessions_open', { dialect: 'field' })).toBe(1);
    expect(sampleOf(text, 'smarthome_bridge_frames_out_total', { dialect: 'field', type: 'get_devices' })).toBe(1);
    expect((await fetch(`${server.metricsUrl}/healthz`)).status).toBe(404);
  });

  it('a METRICS_PORT already taken stops start-up with the listen error', async () => {
    const taken = new URL(server.metricsUrl!).port;
    await expect(startTestServer('pglite', { METRICS_PORT: taken })).rejects.toThrow(/EADDRINUSE/);
  });
});
