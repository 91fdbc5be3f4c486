import { expect, vi } from 'vitest';
import { WALK_EDGE_USER_AGENT } from './bridge-walk.ts';
import { FieldEdge } from './field-edge.ts';
import type { HttpClient } from './http.ts';

/**
 * Drives the field dialect (`/ws/gateway/`) over a real WebSocket, as the edge's `core/cloud_client.py` speaks it:
 * the inventory asked for on connect (`DeviceInventoryReported`), a `state_update` in the edge's local time, an
 * inventory asked for over REST (`DeviceInventoryRequested`, answered), then the session's end — awaited through
 * `GET …/sessions/`, so every event of the session is stored when the walk returns (field frames get no acks).
 */
export async function walkFieldEdge(
  baseUrl: string,
  owner: HttpClient,
  homeId: string,
  gateway: { gatewayId: string; secret: string },
): Promise<void> {
  const edge = await FieldEdge.connect(baseUrl, gateway, '/ws/gateway/', { 'user-agent': WALK_EDGE_USER_AGENT });
  const entities = [
    { id: '12', name: 'Temperature', entity_type: 'sensor', state: '21.5', device_name: 'Living room' },
  ];
  expect(await edge.answerGetDevices(entities)).toBe('sync_on_connect');
  edge.stateUpdate('12', '21.7');
  const asked = await owner.post(`/api/homes/${homeId}/devices/sync/`);
  expect(asked.status, JSON.stringify(asked.body)).toBe(202);
  expect(await edge.answerGetDevices(entities)).toBe(asked.body.request_id);
  edge.close();
  await vi.waitFor(
    async () => {
      const sessions = await owner.get(`/api/gateways/${gateway.gatewayId}/sessions/`);
      expect(sessions.body.items.every((session: { ended_at: string | null }) => session.ended_at !== null)).toBe(true);
    },
    { timeout: 10_000, interval: 20 },
  );
}
