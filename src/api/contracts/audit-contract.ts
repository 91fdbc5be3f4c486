import { z } from 'zod';
import { AUDITED_EVENT_TYPES } from '../../projections/queries/audit-queries.ts';
import { auditQuery } from '../audit-query.ts';
import { component, error, isoTimeOrNull, json, type Operation } from '../openapi/operation.ts';

const auditItem = component(
  'AuditItem',
  z.object({
    position: z.string().describe('Global position in the event log (opaque; string order is log order)'),
    stream: z
      .string()
      .describe('e.g. home-<id>, gateway-<id>, gateway_telemetry-<id>, remote_command-<id>, pairing-<digest>'),
    revision: z.number().int().describe('Revision of the event in its stream (0 = first)'),
    type: z.enum(AUDITED_EVENT_TYPES as [string, ...string[]]),
    occurred_at: isoTimeOrNull.describe("When it happened (the writer's clock, metadata.occurred_at)"),
    recorded_at: isoTimeOrNull.describe('When the event store recorded it (what from/to filter on)'),
    data: z
      .record(z.string(), z.unknown())
      .describe('The event data without password hashes, secret digests or other hash-like fields'),
    metadata: z
      .record(z.string(), z.unknown())
      .describe(
        'actor {kind, id}, on_behalf_of, correlation_id, causation_id, request_id, client_address, user_agent, ' +
          'gateway_session_id (bridge), occurred_at, schema_version, metadata_version, chain {prev, hash, alg, v}',
      ),
  }),
);
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
