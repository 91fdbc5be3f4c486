import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient, type EdgeCommand } from '../../src/edge/index.ts';
import { cliArgs } from '../support/cli-process.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { freePort } from '../support/free-port.ts';
import { FieldEdge } from '../support/field-edge.ts';
import { HttpClient } from '../support/http.ts';

interface Node {
  url: string;
  child: ChildProcess;
  output: string[];
}

async function startNode(nodeId: string, databaseUrl: string, dataDir: string): Promise<Node> {
  const port = await freePort();
  const child = spawn(process.execPath, cliArgs('serve'), {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: nodeId,
      DATA_DIR: path.join(dataDir, nodeId),
      EVENT_STORE_URL: databaseUrl,
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'two-process-test-secret-0123456789-abcdefghij',
      SCRYPT_LOG_N: '4',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${nodeId} exited with ${child.exitCode}: ${output.join('')}`);
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { url, child, output };
    if (Date.now() > deadline) throw new Error(`${nodeId} not ready within 60 s: ${output.join('')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopNode(node: Node | undefined): Promise<void> {
  if (!node || node.child.exitCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

describe.runIf(process.env.TEST_DATABASE_URL)('remote control across two serve processes on one Postgres store', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let a: Node;
  let b: Node;

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-two-nodes-'));
    // One after the other: the first creates the schema and read-model tables.
    a = await startNode('node-a', database.url, dataDir);
    b = await startNode('node-b', database.url, dataDir);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([stopNode(a), stopNode(b)]);
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('relays a command taken by node B to the gateway connected to node A (200 succeeded), and queued ones on reconnect', async () => {
    const registered = await new HttpClient(b.url).post('/api/auth/register', { email: `two-${randomBytes(4).toString('hex')}@example.com`, password: 'password one' });
    expect(registered.status, JSON.stringify(registered.body) + b.output.join('')).toBe(201);
    const onB = new HttpClient(b.url, registered.body.access);
    const provisioned = await onB.post('/api/gateways/provision', { name: 'Hall' });
    expect(provisioned.status).toBe(201);
    const gatewayId = provisioned.body.id as string;

    // Queued on B while the gateway is offline…
    const queued = await onB.post(`/api/gateways/${gatewayId}/commands/`, { device_id: 'switch-1', action: 'toggle', ttl_s: 600 });
    expect(queued.status).toBe(202);

    const received: EdgeCommand[] = [];
    const client = new EdgeClient({
      url: a.url.replace(/^http/, 'ws'),
      gatewayId,
      secret: provisioned.body.secret,
      onCommand: async (command) => (received.push(command), { status: 'ok', result: { node: 'a' } }),
      snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
    });
    const connected = firstValueFrom(client.eventsOfType('connected'));
    client.start();
    try {
      await connected;
      // …delivered by A when the gateway connects there.
      for (let i = 0; i < 200 && (await onB.get(`/api/commands/${queued.body.id}/`)).body.status !== 'succeeded'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect((await onB.get(`/api/commands/${queued.body.id}/`)).body.status).toBe('succeeded');

      // B learns that the gateway is online from the shared read model (its own bridge projection, which may
      // still be applying A's BridgeSessionOpened), issues; A dispatches; B answers.
      for (let i = 0; i < 200 && (await onB.get(`/api/gateways/${gatewayId}/`)).body.status !== 'online'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const response = await onB.post(`/api/gateways/${gatewayId}/commands/`, { device_id: 'light-1', action: 'turn_on' });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', result: { node: 'a' } });
      const detail = await onB.get(`/api/commands/${response.body.id}/`);
      const dispatched = detail.body.history.find((entry: { type: string }) => entry.type === 'RemoteCommandDispatched');
      expect(dispatched.data.node_id).toBe('node-a');
      expect(received.map((command) => command.deviceId)).toEqual(['switch-1', 'light-1']);
    } finally {
      await client.close();
    }
  });

  it('a field edge on node A gets the devices/sync and the command taken by node B, and B answers its outcome', async () => {
    const registered = await new HttpClient(b.url).post('/api/auth/register', { email: `field-${randomBytes(4).toString('hex')}@example.com`, password: 'password one' });
    const onB = new HttpClient(b.url, registered.body.access);
    const provisioned = await onB.post('/api/gateways/provision', { name: 'Field edge' });
    expect(provisioned.status).toBe(201);
    const gatewayId = provisioned.body.id as string;
    const edge = await FieldEdge.connect(a.url, { gatewayId, secret: provisioned.body.secret });
    try {
      await edge.answerGetDevices([{ id: '7', name: 'Lamp', entity_type: 'light', state: 'OFF', device_name: 'Hall' }]);
      for (let i = 0; i < 200 && (await onB.get(`/api/gateways/${gatewayId}/`)).body.status !== 'online'; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const asked = await onB.post(`/api/homes/${provisioned.body.home_id}/devices/sync`);
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      expect((await edge.next('get_devices')).request_id).toBe(asked.body.request_id);

      const answered = edge.answerControl(new Set(['7']));
      const response = await onB.post(`/api/gateways/${gatewayId}/commands/`, { device_id: '7', action: 'power', params: { value: 'ON' } });
      expect((await answered).entity_id).toBe(7);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', result: { message: 'Command sent to entity 7' } });
    } finally {
      edge.close();
    }
  });
});
