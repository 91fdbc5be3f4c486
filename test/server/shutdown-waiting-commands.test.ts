import { afterEach, describe, expect, it, vi } from 'vitest';
import { connectedGateway, provisionGateway, registerUser } from '../support/fixtures.ts';
import type { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('shutdown with a wait: true command pending', () => {
  const servers: TestServer[] = [];
  const sockets: GatewaySocket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.close();
    for (const server of servers.splice(0)) await server.stop();
  });

  /** A command sent with wait: true to a gateway that never acks, once the gateway holds it. */
  async function pendingCommand(server: TestServer, timeoutS: number) {
    const owner = await registerUser(server, 'shutdown');
    const gateway = await provisionGateway(owner);
    const { socket } = await connectedGateway(server, gateway);
    sockets.push(socket);
    const answer = gateway.user.post(`/api/gateways/${gateway.gatewayId}/commands/`, {
      device_id: 'light-1',
      action: 'turn_on',
      wait: true,
      timeout_s: timeoutS,
    });
    const frame = await socket.next('command');
    return { owner, answer, frame };
  }

  it('a waiting command answers 503 shutting_down before close() completes, not after its timeout_s', async () => {
    const server = await startTestServer('pglite');
    servers.push(server);
    // 60 s: longer than this test may run, so a shutdown that waited for it would fail the test.
    const { answer } = await pendingCommand(server, 60);
    const order: string[] = [];
    const answered = answer.then((response) => (order.push('answered'), response));
    await server.close().then(() => order.push('closed'));
    const response = await answered;
    expect(order).toEqual(['answered', 'closed']);
    expect(response.status).toBe(503);
    expect(response.body.error).toMatchObject({ code: 'shutting_down', details: { command_id: expect.any(String) } });
  });

  it.runIf(process.env.TEST_DATABASE_URL)(
    "the answered command's outcome is still recorded: the next node's sweeper times it out",
    async () => {
      const database = await freshPostgresDatabase();
      try {
        const shared = { EVENT_STORE_URL: database.url, DATABASE_URL: database.url };
        const first = await startTestServer('pglite', { ...shared, NODE_ID: 'first' });
        servers.push(first);
        const { owner, answer } = await pendingCommand(first, 2);
        await first.close();
        const response = await answer;
        expect(response.status).toBe(503);
        const commandId = response.body.error.details.command_id as string;

        const next = await startTestServer('pglite', {
          ...shared,
          NODE_ID: 'next',
          REMOTE_COMMAND_SWEEP_INTERVAL_MS: '100',
        });
        servers.push(next);
        const onNext = new HttpClient(next.url, owner.access);
        await vi.waitFor(
          async () => expect((await onNext.get(`/api/commands/${commandId}/`)).body.status).toBe('timed_out'),
          { timeout: 15_000, interval: 100 },
        );
      } finally {
        for (const server of servers.splice(0)) await server.stop();
        await database.drop();
      }
    },
  );
});
