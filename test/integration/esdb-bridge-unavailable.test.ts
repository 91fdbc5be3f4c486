/**
 * The gateway bridge while EventStoreDB is unavailable (the test double's fault switches), through real
 * WebSockets: a handshake whose credential check cannot read the store is refused 503 with Retry-After (the REST
 * side's answer), a session that passed the handshake on cached credentials but cannot be recorded is closed with
 * 1013 Try Again Later (nothing recorded; the next connect is welcomed), a frame that cannot be stored is answered `store_unavailable` with `retry: "later"` and no ack,
 * and the same frame is acked once the store is back. README "Bridge protocol" documents this.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EsdbTestServer } from '../support/esdb-test-server.ts';
import { connectedGateway, ownerWithGateway, type ProvisionedGateway } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** The HTTP answer to a gateway's refused upgrade request: status and Retry-After. */
function handshake(url: string, gateway: ProvisionedGateway): Promise<{ status: number; retryAfter: string | null }> {
  const query = `gateway_id=${encodeURIComponent(gateway.gatewayId)}&secret=${encodeURIComponent(gateway.secret)}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/bridge/?${query}`);
    socket.once('open', () => reject(new Error('the handshake was accepted')));
    socket.once('unexpected-response', (_request, response) => {
      const retryAfter = response.headers['retry-after'];
      resolve({ status: response.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

/** How the server closes a gateway's socket that it accepted (a refused handshake fails the spec). */
function closeOf(url: string, gateway: ProvisionedGateway): Promise<{ code: number; reason: string }> {
  const query = `gateway_id=${encodeURIComponent(gateway.gatewayId)}&secret=${encodeURIComponent(gateway.secret)}`;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/bridge/?${query}`);
    socket.once('message', (data) => reject(new Error(`a frame came instead: ${String(data)}`)));
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    socket.once('unexpected-response', (_request, response) => reject(new Error(`handshake ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

describe('the gateway bridge while EventStoreDB is unavailable (test double faults)', () => {
  let server: TestServer;
  let double: EsdbTestServer;

  beforeAll(async () => {
    server = await startTestServer('esdb', { EVENT_STORE_RETRY_TOTAL_MS: '3000', EVENT_STORE_CALL_TIMEOUT_MS: '1500' });
    double = server.esdb!;
  });
  afterEach(() => double.faults.clear());
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses a handshake it cannot check with 503 and Retry-After, and accepts it once the store answers', async () => {
    const gateway = await ownerWithGateway(server, 'bridge-down');
    double.faults.inject('busy');
    expect(await handshake(server.url, gateway)).toEqual({ status: 503, retryAfter: '2' });
    double.faults.clear();
    const { socket, welcome } = await connectedGateway(server, gateway);
    expect(welcome.payload.session_id).toEqual(expect.any(String));
    socket.close();
    await socket.closed;
  });

  it('closes a session it cannot record with 1013 Try Again Later (the handshake passed on cached credentials)', async () => {
    const gateway = await ownerWithGateway(server, 'open-down');
    const first = await connectedGateway(server, gateway);
    first.socket.close();
    await first.socket.closed;
    double.faults.inject('busy');
    const closed = await closeOf(server.url, gateway);
    double.faults.clear();
    expect(closed).toEqual({ code: 1013, reason: 'store_unavailable' });
    const again = await connectedGateway(server, gateway);
    expect(again.welcome.payload.session_id).toEqual(expect.any(String));
    again.socket.close();
    await again.socket.closed;
  });

  it('answers a frame it cannot store with store_unavailable (retry later), then acks the same frame', async () => {
    const gateway = await ownerWithGateway(server, 'frames-down');
    const { socket } = await connectedGateway(server, gateway);
    try {
      const requestId = randomUUID();
      const frame = {
        type: 'state',
        request_id: requestId,
        timestamp: Math.floor(Date.now() / 1000),
        payload: { device_id: 'lamp', state: { on: true } },
      };
      double.faults.inject('busy');
      socket.send(frame);
      const refused = await socket.next('error');
      expect(refused).toMatchObject({ request_id: requestId, payload: { code: 'store_unavailable', retry: 'later' } });
      double.faults.clear();
      socket.send(frame);
      expect(await socket.next('ack')).toMatchObject({ request_id: requestId });
    } finally {
      socket.close();
      await socket.closed;
    }
  });
});
