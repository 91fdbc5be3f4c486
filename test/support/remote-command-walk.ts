import { expect, vi } from 'vitest';
import type { GatewaySocket } from './gateway-socket.ts';
import type { HttpClient } from './http.ts';

/**
 * Drives every remote-command outcome through the REST API and the gateway's socket: succeeded and failed
 * (acked ok / error), timed out (no ack within timeout_s: 504) and then a late ack, and — after the socket
 * closed — a command queued for the offline gateway that the sweeper expires (the server must sweep often:
 * REMOTE_COMMAND_SWEEP_INTERVAL_MS). Closes the socket (BridgeSessionClosed).
 */
export async function walkRemoteCommands(owner: HttpClient, socket: GatewaySocket, gatewayId: string): Promise<void> {
  const commands = `/api/gateways/${gatewayId}/commands/`;
  const ackedWith = async (body: Record<string, unknown>, payload: Record<string, unknown>) => {
    const response = owner.post(commands, body);
    const frame = await socket.next('command');
    socket.send({ type: 'ack', request_id: frame.request_id, timestamp: Date.now() / 1000, payload });
    return response;
  };
  const succeeded = await ackedWith({ device_id: 'lamp', action: 'turn_on' }, { status: 'ok', result: { on: true } });
  expect(succeeded.status, JSON.stringify(succeeded.body)).toBe(200);
  const failed = await ackedWith(
    { device_id: 'lamp', action: 'explode' },
    { status: 'error', error: { code: 'unsupported', message: 'no such action' } },
  );
  expect(failed.body.status).toBe('failed');

  const slow = owner.post(commands, { device_id: 'thermostat', action: 'set', params: { target: 22 }, timeout_s: 1 });
  const unanswered = await socket.next('command');
  const timedOut = await slow;
  expect(timedOut.status, JSON.stringify(timedOut.body)).toBe(504);
  socket.send({
    type: 'ack',
    request_id: unanswered.request_id,
    timestamp: Date.now() / 1000,
    payload: { status: 'ok', result: { target: 22 } },
  });
  await vi.waitFor(
    async () => {
      const history = (await owner.get(`/api/commands/${unanswered.request_id}/`)).body.history as Array<{
        type: string;
      }>;
      expect(history.map((entry) => entry.type)).toContain('RemoteCommandLateAckRecorded');
    },
    { timeout: 10_000, interval: 50 },
  );

  socket.close();
  await socket.closed;
  await vi.waitFor(async () => expect((await owner.get(`/api/gateways/${gatewayId}/`)).body.status).toBe('offline'), {
    timeout: 10_000,
    interval: 50,
  });
  const queued = await owner.post(commands, { device_id: 'lamp', action: 'turn_off', ttl_s: 1, wait: false });
  expect(queued.status, JSON.stringify(queued.body)).toBe(202);
  await vi.waitFor(
    async () => expect((await owner.get(`/api/commands/${queued.body.id}/`)).body.status).toBe('expired'),
    { timeout: 15_000, interval: 100 },
  );
}
