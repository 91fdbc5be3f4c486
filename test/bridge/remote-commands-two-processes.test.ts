import { randomBytes } from 'node:crypto';
import { firstValueFrom } from 'rxjs';
import { describe, expect, it, vi } from 'vitest';
import { EdgeClient, type EdgeCommand } from '../../src/edge/index.ts';
import { FieldEdge } from '../support/field-edge.ts';
import { HttpClient } from '../support/http.ts';
import { useTwoServeNodes } from '../support/serve-node.ts';

/** A node learns what the other wrote through its own projections: give it the time the old loops gave (10 s). */
const TWO_NODES_LAG = { timeout: 10_000, interval: 50 } as const;

describe.runIf(process.env.TEST_DATABASE_URL)('remote control across two serve processes on one Postgres store', () => {
  const nodes = useTwoServeNodes();

  it('relays a command taken by node B to the gateway connected to node A (200 succeeded), and queued ones on reconnect', async () => {
    const { a, b } = nodes;
    const registered = await new HttpClient(b.url).post('/api/auth/register', {
      email: `two-${randomBytes(4).toString('hex')}@example.com`,
      password: 'password one',
    });
    expect(registered.status, JSON.stringify(registered.body) + b.output.join('')).toBe(201);
    const onB = new HttpClient(b.url, registered.body.access);
    const provisioned = await onB.post('/api/gateways/provision', { name: 'Hall' });
    expect(provisioned.status).toBe(201);
    const gatewayId = provisioned.body.id as string;

    // Queued on B while the gateway is offline…
    const queued = await onB.post(`/api/gateways/${gatewayId}/commands/`, {
      device_id: 'switch-1',
      action: 'toggle',
      ttl_s: 600,
    });
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
      await vi.waitFor(
        async () => expect((await onB.get(`/api/commands/${queued.body.id}/`)).body.status).toBe('succeeded'),
        TWO_NODES_LAG,
      );

      // B learns that the gateway is online from the shared read model (its own bridge projection, which may
      // still be applying A's BridgeSessionOpened), issues; A dispatches; B answers.
      await vi.waitFor(
        async () => expect((await onB.get(`/api/gateways/${gatewayId}/`)).body.status).toBe('online'),
        TWO_NODES_LAG,
      );
      const response = await onB.post(`/api/gateways/${gatewayId}/commands/`, {
        device_id: 'light-1',
        action: 'turn_on',
      });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', result: { node: 'a' } });
      const detail = await onB.get(`/api/commands/${response.body.id}/`);
      const dispatched = detail.body.history.find(
        (entry: { type: string }) => entry.type === 'RemoteCommandDispatched',
      );
      expect(dispatched.data.node_id).toBe('node-a');
      expect(received.map((command) => command.deviceId)).toEqual(['switch-1', 'light-1']);
    } finally {
      await client.close();
    }
  });

  it('a field edge on node A gets the devices/sync and the command taken by node B, and B answers its outcome', async () => {
    const { a, b } = nodes;
    const registered = await new HttpClient(b.url).post('/api/auth/register', {
      email: `field-${randomBytes(4).toString('hex')}@example.com`,
      password: 'password one',
    });
    const onB = new HttpClient(b.url, registered.body.access);
    const provisioned = await onB.post('/api/gateways/provision', { name: 'Field edge' });
    expect(provisioned.status).toBe(201);
    const gatewayId = provisioned.body.id as string;
    const edge = await FieldEdge.connect(a.url, { gatewayId, secret: provisioned.body.secret });
    try {
      await edge.answerGetDevices([{ id: '7', name: 'Lamp', entity_type: 'light', state: 'OFF', device_name: 'Hall' }]);
      await vi.waitFor(
        async () => expect((await onB.get(`/api/gateways/${gatewayId}/`)).body.status).toBe('online'),
        TWO_NODES_LAG,
      );
      const asked = await onB.post(`/api/homes/${provisioned.body.home_id}/devices/sync`);
      expect(asked.status, JSON.stringify(asked.body)).toBe(202);
      expect((await edge.next('get_devices')).request_id).toBe(asked.body.request_id);

      const answered = edge.answerControl(new Set(['7']));
      const response = await onB.post(`/api/gateways/${gatewayId}/commands/`, {
        device_id: '7',
        action: 'power',
        params: { value: 'ON' },
      });
      expect((await answered).entity_id).toBe(7);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ status: 'succeeded', result: { message: 'Command sent to entity 7' } });
    } finally {
      edge.close();
    }
  });
});
