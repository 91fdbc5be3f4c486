import { randomUUID } from 'node:crypto';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient, type CommandOutcome, type EdgeCommand } from '../../src/edge/index.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { homeWithEveryRole, type TestHome } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const QUEUE_LIMIT = 3;

for (const target of serverTargets()) {
  describe(`remote control through the bridge (${target})`, () => {
    let server: TestServer;
    const clients: EdgeClient[] = [];
    const sockets: GatewaySocket[] = [];

    beforeAll(async () => {
      server = await startTestServer(target, {
        REMOTE_COMMAND_QUEUE_LIMIT: String(QUEUE_LIMIT),
        REMOTE_COMMAND_SWEEP_INTERVAL_MS: '50',
      });
    });
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.close()));
      for (const socket of sockets.splice(0)) socket.close();
    });
    afterAll(async () => {
      await server?.stop();
    });

    /** The next event of `type` about `commandId` (from the start of the log: nothing is missed). */
    function eventOf(type: string, commandId: string): Promise<RecordedEvent> {
      return firstValueFrom(
        server.stores.eventStore.subscribeToAll({ filter: { eventTypes: [type] } }).pipe(
          filter((event) => event.data.command_id === commandId),
          timeout(15_000),
        ),
      );
    }

    /** An EdgeClient (current dialect unless told) that records the commands it receives. */
    async function edge(
      home: TestHome,
      answer: (command: EdgeCommand) => CommandOutcome = () => ({ status: 'ok', result: { on: true } }),
    ) {
      const received: EdgeCommand[] = [];
      const client = new EdgeClient({
        url: server.url.replace(/^http/, 'ws'),
        gatewayId: home.gatewayId,
        secret: home.secret,
        onCommand: async (command) => {
          received.push(command);
          return answer(command);
        },
        snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
        reconnect: { baseDelayMs: 5, maxDelayMs: 20 },
      });
      clients.push(client);
      const connected = firstValueFrom(client.eventsOfType('connected'));
      client.start();
      await connected;
      return { client, received };
    }

    async function rawGateway(home: TestHome) {
      const socket = await GatewaySocket.connect(server.url, home);
      sockets.push(socket);
      await socket.next('welcome');
      return socket;
    }

    const send = (home: TestHome, body: unknown, who: keyof TestHome['people'] = 'user') =>
      home.people[who].http.post(`/api/gateways/${home.gatewayId}/commands/`, body);

    it('relays a command to the edge and answers 200 succeeded with the result (current dialect)', async () => {
      const home = await homeWithEveryRole(server);
      const { received } = await edge(home);
      const response = await send(home, { device_id: 'light-1', action: 'turn_on', params: { brightness: 40 } });
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({
        status: 'succeeded',
        result: { on: true },
        device_id: 'light-1',
        action: 'turn_on',
      });
      expect(response.body.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(Date.parse(response.body.completed_at)).toBeGreaterThanOrEqual(Date.parse(response.body.issued_at));
      expect(received).toEqual([
        expect.objectContaining({
          commandId: response.body.id,
          deviceId: 'light-1',
          action: 'turn_on',
          params: { brightness: 40 },
        }),
      ]);

      const detail = await home.people.viewer.http.get(`/api/commands/${response.body.id}/`);
      expect(detail.status).toBe(200);
      expect(detail.body.history.map((entry: { type: string }) => entry.type)).toEqual([
        'RemoteCommandIssued',
        'RemoteCommandDispatched',
        'RemoteCommandSucceeded',
      ]);
      expect(detail.body.history[0].actor).toEqual({ kind: 'user', id: home.people.user.id });
      // Issued and dispatched in one append here (this process holds the socket), still each with its own actor.
      expect(detail.body.history[1].actor).toEqual({ kind: 'gateway', id: home.gatewayId });
      expect(detail.body.history[2].actor).toEqual({ kind: 'gateway', id: home.gatewayId });
    });

    it('works with a legacy edge: it reads entity_id/value and acks with status/data', async () => {
      const home = await homeWithEveryRole(server);
      const socket = await rawGateway(home);
      const pending = send(home, { device_id: 'switch-2', action: 'set', params: { on: true } }, 'admin');
      const frame = await socket.next('command');
      expect(frame.payload).toMatchObject({
        entity_id: 'switch-2',
        value: { on: true },
        device_id: 'switch-2',
        action: 'set',
      });
      socket.send({
        type: 'ack',
        request_id: frame.request_id,
        timestamp: new Date().toISOString(),
        status: 'success',
        data: { on: true },
      });
      const response = await pending;
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body).toMatchObject({ id: frame.request_id, status: 'succeeded', result: { on: true } });

      const failing = send(home, { device_id: 'switch-2', action: 'explode' }, 'owner');
      const second = await socket.next('command');
      socket.send({
        type: 'ack',
        request_id: second.request_id,
        timestamp: new Date().toISOString(),
        status: 'error',
        data: { error: 'no such action' },
      });
      expect((await failing).body).toMatchObject({
        status: 'failed',
        error: { code: 'edge_error', message: 'no such action' },
      });
    });

    it('answers 200 failed with the device error', async () => {
      const home = await homeWithEveryRole(server);
      await edge(home, () => ({ status: 'error', error: { code: 'unknown_device', message: 'No device nope' } }));
      const response = await send(home, { device_id: 'nope', action: 'turn_on' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        status: 'failed',
        error: { code: 'unknown_device', message: 'No device nope' },
      });
    });

    it('answers 504 timed_out when no ack comes in time, and records a late ack without applying it', async () => {
      const home = await homeWithEveryRole(server);
      const socket = await rawGateway(home);
      const pending = send(home, { device_id: 'light-1', action: 'turn_on', timeout_s: 1 });
      const frame = await socket.next('command');
      const response = await pending;
      expect(response.status).toBe(504);
      expect(response.body).toMatchObject({
        id: frame.request_id,
        status: 'timed_out',
        error: { code: 'command_timed_out' },
      });

      const late = eventOf('RemoteCommandLateAckRecorded', frame.request_id!);
      socket.send({
        type: 'ack',
        request_id: frame.request_id,
        timestamp: Date.now() / 1000,
        payload: { status: 'ok', result: { on: true } },
      });
      expect((await late).data).toMatchObject({ final_status: 'timed_out', ack_status: 'ok' });
      const detail = await home.people.user.http.get(`/api/commands/${frame.request_id}/`);
      expect(detail.body).toMatchObject({ status: 'timed_out', late_acks: 1 });
    });

    it('fails fast with 409 gateway_offline when the gateway is offline and ttl_s is 0', async () => {
      const home = await homeWithEveryRole(server);
      const response = await send(home, { device_id: 'light-1', action: 'turn_on' });
      expect(response.status).toBe(409);
      expect(response.body.error.code).toBe('gateway_offline');
    });

    it('queues commands for an offline gateway (202 + Location), caps the queue (429), delivers in order on connect', async () => {
      const home = await homeWithEveryRole(server);
      const ids: string[] = [];
      for (let i = 0; i < QUEUE_LIMIT; i++) {
        const response = await send(home, { device_id: `light-${i}`, action: 'turn_on', ttl_s: 600 });
        expect(response.status, JSON.stringify(response.body)).toBe(202);
        expect(response.headers.get('location')).toBe(`/api/commands/${response.body.id}/`);
        expect(response.body.status).toBe('issued');
        ids.push(response.body.id);
      }
      const full = await send(home, { device_id: 'light-9', action: 'turn_on', ttl_s: 600 });
      expect(full.status).toBe(429);
      expect(full.body.error.code).toBe('command_queue_full');

      const succeeded = Promise.all(ids.map((id) => eventOf('RemoteCommandSucceeded', id)));
      const { received } = await edge(home);
      await succeeded;
      expect(received.map((command) => command.commandId)).toEqual(ids);
      const listed = await home.people.viewer.http.get(`/api/gateways/${home.gatewayId}/commands/?limit=2`);
      expect(listed.status).toBe(200);
      expect(listed.body).toMatchObject({ total: QUEUE_LIMIT, limit: 2 });
      expect(listed.body.items).toHaveLength(2);
      const rest = await home.people.viewer.http.get(
        `/api/gateways/${home.gatewayId}/commands/?limit=2&cursor=${encodeURIComponent(listed.body.next_cursor)}`,
      );
      expect(rest.body.items).toHaveLength(QUEUE_LIMIT - 2);
      expect(rest.body.next_cursor).toBeNull();
    });

    it('expires a queued command that was not delivered in time', async () => {
      const home = await homeWithEveryRole(server);
      const response = await send(home, { device_id: 'light-1', action: 'turn_on', ttl_s: 1 });
      expect(response.status).toBe(202);
      const expired = await eventOf('RemoteCommandExpired', response.body.id);
      expect(expired.metadata.actor).toEqual({ kind: 'system', id: 'remote_command_sweep' });
      const detail = await home.people.user.http.get(`/api/commands/${response.body.id}/`);
      expect(detail.body.status).toBe('expired');
      // Connecting later delivers nothing.
      const { received } = await edge(home);
      const ok = await send(home, { device_id: 'light-2', action: 'turn_on' });
      expect(ok.status).toBe(200);
      expect(received.map((command) => command.deviceId)).toEqual(['light-2']);
    });

    it('is idempotent on command_id: the same body answers the same command, sent once; another body is 409', async () => {
      const home = await homeWithEveryRole(server);
      const { received } = await edge(home);
      const commandId = randomUUID();
      const body = { command_id: commandId, device_id: 'light-1', action: 'turn_on', params: { a: 1, b: 2 } };
      const first = await send(home, body);
      const again = await send(home, { ...body, params: { b: 2, a: 1 } });
      expect(first.status).toBe(200);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect(received).toHaveLength(1);
      const changed = await send(home, { ...body, action: 'turn_off' });
      expect(changed.status).toBe(409);
      expect(changed.body.error.code).toBe('command_id_conflict');
    });

    it('answers 202 at once with wait: false; the outcome follows', async () => {
      const home = await homeWithEveryRole(server);
      await edge(home);
      const response = await send(home, { device_id: 'light-1', action: 'turn_on', wait: false });
      expect(response.status).toBe(202);
      expect(response.headers.get('location')).toBe(`/api/commands/${response.body.id}/`);
      await eventOf('RemoteCommandSucceeded', response.body.id);
      expect((await home.people.user.http.get(`/api/commands/${response.body.id}/`)).body.status).toBe('succeeded');
    });

    it('refuses viewers (403), hides the gateway and its commands from strangers (404), rejects malformed bodies (400)', async () => {
      const home = await homeWithEveryRole(server);
      await edge(home);
      const viewer = await send(home, { device_id: 'light-1', action: 'turn_on' }, 'viewer');
      expect(viewer.status).toBe(403);
      expect(viewer.body.error.code).toBe('forbidden');
      const stranger = await send(home, { device_id: 'light-1', action: 'turn_on' }, 'stranger');
      expect(stranger.status).toBe(404);
      expect(stranger.body.error.code).toBe('gateway_not_found');
      expect((await home.people.stranger.http.get(`/api/gateways/${home.gatewayId}/commands/`)).status).toBe(404);

      const done = await send(home, { device_id: 'light-1', action: 'turn_on' });
      expect(done.status).toBe(200);
      const hidden = await home.people.stranger.http.get(`/api/commands/${done.body.id}/`);
      expect(hidden.status).toBe(404);
      expect(hidden.body.error.code).toBe('command_not_found');

      for (const body of [
        { action: 'turn_on' },
        { device_id: 'light-1' },
        { device_id: 'light-1', action: 'turn_on', timeout_s: 0 },
        { device_id: 'light-1', action: 'turn_on', timeout_s: 61 },
        { device_id: 'light-1', action: 'turn_on', ttl_s: 172_801 },
        { device_id: 'light-1', action: 'turn_on', command_id: 'not-a-uuid' },
        { device_id: 'light-1', action: 'turn_on', params: [1] },
        { device_id: 'light-1', action: 'turn_on', wait: 'yes' },
      ]) {
        const response = await send(home, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.body.error.code).toBe('validation_error');
      }
      const malformed = await home.people.user.http.post(`/api/gateways/${home.gatewayId}/commands/`, '{"device_id":');
      expect(malformed.status).toBe(400);
      expect((await home.people.user.http.get('/api/commands/not-a-uuid/')).status).toBe(400);
    });
  });
}
