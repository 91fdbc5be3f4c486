import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AppClient, AppLiveSocket } from '../support/app-client.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { startServeNode, stopServeNode, type ServeNode } from '../support/serve-node.ts';

describe.runIf(process.env.TEST_DATABASE_URL)('the app on one serve process, its gateway on another (one Postgres store)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let a: ServeNode;
  let b: ServeNode;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-app-two-nodes-'));
    // One after the other: the first creates the schema and read-model tables.
    a = await startServeNode('node-a', database.url, dataDir);
    b = await startServeNode('node-b', database.url, dataDir);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopServeNode(a), stopServeNode(b)]);
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('a state frame sent to node A reaches the app socket on node B; the app\'s control taken by B is acked through A (200)', async () => {
    const registered = await new HttpClient(b.url).post('/api/auth/register', { email: `app-${randomBytes(4).toString('hex')}@example.com`, password: 'password one' });
    expect(registered.status, JSON.stringify(registered.body) + b.output.join('')).toBe(201);
    const access = registered.body.access as string;
    const provisioned = await new HttpClient(b.url, access).post('/api/gateways/provision', { name: 'Hall' });
    expect(provisioned.status).toBe(201);
    const homeId = provisioned.body.home_id as string;
    const credentials = { gatewayId: provisioned.body.id as string, secret: provisioned.body.secret as string };

    // The app on B, with the edge's numeric home id as it sends it (its only home with a gateway).
    const app = await AppLiveSocket.connect(b.url, 1, access);
    const edge = await GatewaySocket.connect(a.url, credentials);
    try {
      await edge.next('welcome');
      edge.send({ type: 'state', request_id: 's-1', timestamp: Date.now() / 1000, payload: { device_id: '12', state: { power: 'ON' } } });
      await edge.next('ack');
      expect(await app.next((frame) => frame.type === 'entity_state')).toEqual({ type: 'entity_state', entity_id: 12, state: { power: 'ON' }, is_online: true });

      const onB = new AppClient(b.url, access);
      await vi.waitFor(async () => expect((await onB.getGatewayStatus(homeId)).body.status).toBe('online'), { timeout: 10_000, interval: 50 });
      const pending = onB.controlEntity(homeId, 12, 'power', 'OFF');
      const command = await edge.next('command');
      expect(command.payload).toMatchObject({ device_id: '12', action: 'power', params: { value: 'OFF' } });
      edge.send({ type: 'ack', request_id: command.request_id, timestamp: Date.now() / 1000, payload: { status: 'ok', result: { message: 'done' } } });
      const response = await pending;
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toEqual({ command_id: command.request_id, status: 'succeeded', message: 'done' });
    } finally {
      app.close();
      edge.close();
    }
  });
});
