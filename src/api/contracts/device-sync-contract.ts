import { z } from 'zod';
import { component, error, id, json, uuidParams, type Operation } from '../openapi/operation.ts';

const syncRequestedResponse = component(
  'DeviceSyncRequested',
  z.object({
    request_id: z.string().describe('The inventory arrives as DeviceInventoryReported with this request_id'),
    gateway_id: id,
    home_id: id,
    status: z.literal('requested'),
  }),
);
export type SyncRequestedResponse = z.infer<typeof syncRequestedResponse>;

export const deviceSyncOperations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/homes/{home_id}/devices/sync',
    operationId: 'requestDeviceSync',
    summary: "Ask the home's field edge for its device inventory again",
    tags: ['mobile app'],
    auth: 'user',
    params: uuidParams('home_id'),
    responses: {
      202: json('Asked; the answer arrives as an event', syncRequestedResponse),
      403: error('forbidden: your role may not sync devices'),
      404: error('home_not_found: no such home, or not one of yours'),
      409: error('gateway_offline: the home has no connected gateway, or concurrent_update'),
    },
  },
];
