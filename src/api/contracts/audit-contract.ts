import { z } from 'zod';
import { auditQuery } from '../audit-query.ts';
import { component, error, json, type Operation } from '../openapi/operation.ts';

const auditItem = z.object({
  position: z.string().describe('Global log position (a decimal string)'),
  stream: z.string(),
  revision: z.number().int(),
  type: z.string(),
  occurred_at: z.string().nullable().describe('When the client said it happened (metadata), if it did'),
  recorded_at: z.string().nullable(),
  data: z.record(z.string(), z.unknown()).describe('Redacted: no password hash, no secret digest'),
  metadata: z.record(z.string(), z.unknown()),
});
const auditPageResponse = component(
  'AuditPage',
  z.object({
    items: z.array(auditItem),
    next_cursor: z.string().nullable().describe('Pass as cursor for the next page; null on the last one'),
  }),
);
export type AuditItemResponse = z.infer<typeof auditItem>;
export type AuditPageResponse = z.infer<typeof auditPageResponse>;

export const auditOperations: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/audit',
    operationId: 'listAuditEvents',
    summary: "A home's history, oldest first (owner and admins)",
    description:
      'Every event about the home, its permissions, gateways, pairing, bridge sessions, telemetry and remote commands, ' +
      'from the audit read model, paginated by an opaque cursor.',
    tags: ['audit'],
    auth: 'user',
    query: auditQuery,
    responses: {
      200: json('A page of events', auditPageResponse),
      400: error('validation_error (details.issues), or invalid_cursor'),
      403: error('forbidden: your role may not read the history'),
      404: error('home_not_found: no such home, or not one of yours'),
    },
  },
];
