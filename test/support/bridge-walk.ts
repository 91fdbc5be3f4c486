import { expect } from 'vitest';
import { GatewaySocket } from './gateway-socket.ts';

/** What the walking edge sends as its User-Agent: the audit history must show it on the gateway's events. */
export const WALK_EDGE_USER_AGENT = 'catalogue-walk-edge/1.0';

/**
 * Drives the bridge over a real WebSocket: a session (opened), a state report and a metadata sync (each acked
 * once stored). Returns the open socket: the remote-command walk uses the session, and closes it.
 */
export async function walkBridge(
  baseUrl: string,
  credentials: { gatewayId: string; secret: string },
): Promise<GatewaySocket> {
  const socket = await GatewaySocket.connect(baseUrl, credentials, {
    auth: 'basic',
    headers: { 'user-agent': WALK_EDGE_USER_AGENT },
  });
  await socket.next('welcome');
  const now = Date.now() / 1000;
  socket.send({
    type: 'state',
    request_id: 'walk-state-1',
    timestamp: now,
    payload: {
      devices: [
        { device_id: 'lamp', state: { on: false } },
        { device_id: 'thermostat', state: { target: 21 } },
      ],
    },
  });
  expect((await socket.next('ack')).request_id).toBe('walk-state-1');
  socket.send({
    type: 'sync',
    request_id: 'walk-sync-1',
    timestamp: now,
    payload: { devices: [{ id: 'lamp' }, { id: 'thermostat' }], rooms: [{ id: 'hall' }], scenes: [] },
  });
  expect((await socket.next('ack')).request_id).toBe('walk-sync-1');
  return socket;
}
