import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { AppClient, AppLiveSocket } from '../support/app-client.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { useTwoServeNodes } from '../support/serve-node.ts';

describe.runIf(process.env.TEST_DATABASE_URL)(
  'the app on one serve process, its gateway on another (one Postgres store)',
  () => {
    const nodes = useTwoServeNodes();

    it("a state frame sent to node A reaches the app socket on node B; the app's control taken by B is acked through A (200)", async () => {
      const { a, b } = nodes;
      const registered = await new HttpClient(b.url).post('/api/auth/register', {
        email: `app-${randomBytes(4).toString('hex')}@example.com`,
        password: 'password one',
      });
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
        edge.send({
          type: 'state',
          request_id: 's-1',
          timestamp: Date.now() / 1000,
          payload: { device_id: '12', state: { power: 'ON' } },
        });
        await edge.next('ack');
        expect(await app.next((frame) => frame.type === 'entity_state')).toEqual({
          type: 'entity_state',
          entity_id: 12,
          state: { power: 'ON' },
          is_online: true,
        });

        const onB = new AppClient(b.url, access);
        await vi.waitFor(async () => expect((await onB.getGatewayStatus(homeId)).body.status).toBe('online'), {
          timeout: 10_000,
          interval: 50,
        });
        const pending = onB.controlEntity(homeId, 12, 'power', 'OFF');
        const command = await edge.next('command');
        expect(command.payload).toMatchObject({ device_id: '12', action: 'power', params: { value: 'OFF' } });
        edge.send({
          type: 'ack',
          request_id: command.request_id,
          timestamp: Date.now() / 1000,
          payload: { status: 'ok', result: { message: 'done' } },
        });
        const response = await pending;
        expect(response.status, JSON.stringify(response.body)).toBe(200);
        expect(response.body).toEqual({ command_id: command.request_id, status: 'succeeded', message: 'done' });
      } finally {
        app.close();
        edge.close();
      }
    });
  },
);
