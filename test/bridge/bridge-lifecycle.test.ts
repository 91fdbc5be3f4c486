import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Sessions across process lifetimes: SIGTERM closes every live session with `server_shutdown` after writing its
 * event; a node that restarts closes the sessions a previous run of it left open with `server_restart`.
 */
describe('bridge sessions across restarts (pglite)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-restart-'));
  fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'pglite'), { recursive: true });
  const servers: TestServer[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop().catch(() => {});
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('shutdown writes server_shutdown for live sessions; a restart closes orphans with server_restart', async () => {
    const first = await startTestServer('pglite', { DATA_DIR: dataDir, NODE_ID: 'node-a' });
    servers.push(first);
    const http = new HttpClient(first.url);
    const registered = await http.post('/api/auth/register', {
      email: `restart${Date.now()}@example.com`,
      password: 'password1',
    });
    const provisioned = await http.withToken(registered.body.access).post('/api/gateways/provision', {});
    const gateway = { gatewayId: provisioned.body.id as string, secret: provisioned.body.secret as string };
    const socket = await GatewaySocket.connect(first.url, gateway);
    const welcome = await socket.next('welcome');

    // A session left open by an earlier run of this node that died (kill -9): its Opened event has no Closed.
    const orphanId = randomUUID();
    await first.stores.eventStore.appendToStream(
      `gateway_telemetry-${gateway.gatewayId}`,
      [
        {
          id: randomUUID(),
          type: 'BridgeSessionOpened',
          data: {
            session_id: orphanId,
            gateway_id: gateway.gatewayId,
            home_id: provisioned.body.home_id,
            node_id: 'node-a',
            remote_address: null,
            user_agent: null,
            protocol_version: '1',
          },
          metadata: { actor: { kind: 'system', id: 'test' } },
        },
      ],
      { expectedRevision: 'any' },
    );

    await first.close();
    const closed = await socket.closed;
    expect(closed).toEqual({ code: 1001, reason: 'server_shutdown' });

    const second = await startTestServer('pglite', { DATA_DIR: dataDir, NODE_ID: 'node-a' });
    servers.push(second);
    const events = await second.stores.eventStore.readStream(`gateway_telemetry-${gateway.gatewayId}`);
    const closes = events
      .filter((e) => e.type === 'BridgeSessionClosed')
      .map((e) => [e.data.session_id, e.data.reason]);
    expect(closes).toEqual(
      expect.arrayContaining([
        [welcome.payload.session_id, 'server_shutdown'],
        [orphanId, 'server_restart'],
      ]),
    );
    expect(closes).toHaveLength(2);

    // The process acted, not the gateway: a system actor from this node, within the session it ended, no request.
    const closeOf = (sessionId: string) =>
      events.find((e) => e.type === 'BridgeSessionClosed' && e.data.session_id === sessionId)!;
    for (const [sessionId, reason] of [
      [welcome.payload.session_id as string, 'bridge-shutdown'],
      [orphanId, 'bridge-restart'],
    ] as const) {
      expect(closeOf(sessionId).metadata).toMatchObject({
        actor: { kind: 'system', id: reason },
        on_behalf_of: { kind: 'system', id: reason },
        correlation_id: sessionId,
        causation_id: sessionId,
        request_id: null,
        client_address: 'node-a',
        user_agent: null,
      });
    }
  });
});
