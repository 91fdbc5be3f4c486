import { commonErrors, errorResponse, jsonResponse } from './components.ts';
import { AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX } from '../audit-query.ts';
import { AUDITED_EVENT_TYPES } from '../../projections/queries/audit-queries.ts';

const dateTime = { type: 'string', format: 'date-time' };

export const auditSchemas = {
  AuditItem: {
    type: 'object',
    required: ['position', 'stream', 'revision', 'type', 'occurred_at', 'recorded_at', 'data', 'metadata'],
    properties: {
      position: { type: 'string', description: 'Global position in the event log (opaque; string order is log order)' },
      stream: {
        type: 'string',
        description: 'e.g. home-<id>, gateway-<id>, gateway_telemetry-<id>, remote_command-<id>, pairing-<digest>',
      },
      revision: { type: 'integer', description: 'Revision of the event in its stream (0 = first)' },
      type: { type: 'string', enum: AUDITED_EVENT_TYPES },
      occurred_at: { ...dateTime, description: "When it happened (the writer's clock, metadata.occurred_at)" },
      recorded_at: { ...dateTime, description: 'When the event store recorded it (what from/to filter on)' },
      data: {
        type: 'object',
        description: 'The event data without password hashes, secret digests or other hash-like fields',
      },
      metadata: {
        type: 'object',
        description:
          'actor {kind, id}, on_behalf_of, correlation_id, causation_id, request_id (null for system actors and session lifecycle), ' +
          'client_address (the node id for system actors), user_agent, gateway_session_id (bridge), occurred_at, schema_version, ' +
          'metadata_version, chain {prev, hash, alg, v}',
      },
    },
  },
  AuditPage: {
    type: 'object',
    required: ['items', 'next_cursor'],
    properties: {
      items: { type: 'array', items: { $ref: '#/components/schemas/AuditItem' } },
      next_cursor: {
        type: ['string', 'null'],
        description: 'Pass back as `cursor` for the next page; null when there is none',
      },
    },
  },
};

const query = (name: string, description: string, schema: Record<string, unknown>, required = false) => ({
  name,
  in: 'query',
  required,
  description,
  schema,
});

export const auditPaths = {
  '/api/audit/': {
    get: {
      tags: ['audit'],
      security: [{ bearer: [] }],
      summary: "A home's audit history (owner, admin): every event about the home, oldest first",
      description:
        'Events about the home, its permissions, gateways, pairing codes, bridge sessions, telemetry and remote commands, in log ' +
        'order, from the `audit_index` read model. Consistent with everything written before the request (it waits, bounded, for ' +
        'the read model to reach the head of the log).',
      parameters: [
        query('home_id', 'The home', { type: 'string', format: 'uuid' }, true),
        query('from', 'Recorded at or after (ISO 8601 with offset, inclusive)', dateTime),
        query('to', 'Recorded before (ISO 8601 with offset, exclusive)', dateTime),
        query('type', 'One event type or a comma-separated list (may also be repeated)', { type: 'string' }),
        query('cursor', "The previous page's next_cursor (opaque)", { type: 'string' }),
        query('limit', `Page size (default ${AUDIT_PAGE_DEFAULT})`, {
          type: 'integer',
          minimum: 1,
          maximum: AUDIT_PAGE_MAX,
          default: AUDIT_PAGE_DEFAULT,
        }),
      ],
      responses: {
        200: jsonResponse('A page of the history', { $ref: '#/components/schemas/AuditPage' }),
        400: errorResponse(
          'Invalid query (validation_error with details.issues: home_id, from/to, an unknown type, limit) or cursor (invalid_cursor)',
        ),
        401: commonErrors[401],
        403: errorResponse('Your role (user, viewer) may not read the audit history'),
        404: errorResponse('No such home, or you are not a member'),
      },
    },
  },
};
