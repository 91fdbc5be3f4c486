import { commonErrors, errorResponse, jsonResponse } from './components.ts';

const uuid = { type: 'string', format: 'uuid' };

export const deviceSyncPaths = {
  '/api/homes/{home_id}/devices/sync': {
    parameters: [{ name: 'home_id', in: 'path', required: true, schema: uuid }],
    post: {
      tags: ['homes'],
      security: [{ bearer: [] }],
      summary: "Ask the home's field edge for its device inventory again (owner, admin)",
      description:
        "Records `DeviceInventoryRequested`; whichever node holds the gateway's socket sends `get_devices` with the " +
        'request id, and the answer is recorded as `DeviceInventoryReported` with the same `request_id`. No body.',
      responses: {
        202: jsonResponse('Requested', {
          type: 'object',
          properties: {
            request_id: { type: 'string' },
            gateway_id: uuid,
            home_id: uuid,
            status: { type: 'string', enum: ['requested'] },
          },
        }),
        403: errorResponse('Your role may not do device.sync (owners and admins may)'),
        404: errorResponse('No such home, or you are not a member'),
        409: errorResponse('gateway_offline: the home has no connected gateway'),
        ...commonErrors,
      },
    },
  },
};
