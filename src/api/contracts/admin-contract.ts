import { z } from 'zod';
import { AUDITED_EVENT_TYPES } from '../../projections/queries/audit-queries.ts';
import { flag, page, reasonBody, searchTerm } from '../admin/admin-query.ts';
import {
  component,
  error,
  id,
  isoTime,
  isoTimeOrNull,
  json,
  pending,
  uuidParams,
  type Operation,
  type ResponseSpec,
} from '../openapi/operation.ts';
import { uuid } from '../path-params.ts';

// ---- Requests (the admin routes validate with these) ----

export const usersQuery = z.object({ q: searchTerm, staff: flag, deactivated: flag, ...page }).strict();
export const homesQuery = z.object({ q: searchTerm, ...page }).strict();
export const gatewaysQuery = z
  .object({
    q: searchTerm,
    status: z.enum(['pending', 'online', 'offline', 'revoked']).optional(),
    online: flag,
    home_id: uuid.optional(),
    ...page,
  })
  .strict();
export const sessionsQuery = z.object({ node_id: z.string().trim().min(1).max(200).optional(), ...page }).strict();

const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));
const auditedTypes = z
  .string()
  .max(2_000)
  .transform((value) =>
    value
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
  )
  .refine((names) => names.every((name) => AUDITED_EVENT_TYPES.includes(name)), 'not an audited event type')
  .describe('Comma-separated audited event types');
const auditFilters = {
  home_id: uuid.optional(),
  user_id: uuid.optional(),
  gateway_id: uuid.optional(),
  from: time.optional(),
  to: time.optional(),
};
export const adminAuditQuery = z
  .object({
    ...auditFilters,
    type: auditedTypes.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export const adminExportQuery = z.object(auditFilters).strict();
/** A projection's name in a path: lower-case letters, digits and underscores. */
export const projectionName = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*$/);

// ---- Responses ----

const paged = <Item extends z.ZodType>(name: string, item: Item) =>
  component(
    name,
    z.object({
      items: z.array(item),
      total: z.number().int(),
      limit: z.number().int(),
      offset: z.number().int(),
      next_offset: z.number().int().nullable().describe('Pass as offset for the next page; null on the last one'),
    }),
  );

const userItem = component(
  'AdminUser',
  z.object({
    id,
    email: z.string(),
    name: z.string(),
    created_at: isoTimeOrNull,
    staff: z.boolean(),
    deactivated: z.boolean(),
    deactivation_reason: z.string().nullable(),
    last_login_at: isoTimeOrNull,
  }),
);
const tokenFamily = component(
  'AdminTokenFamily',
  z.object({
    id,
    created_at: isoTime,
    last_used_at: isoTime,
    client_address: z.string().nullable().describe('Where the sign-in came from (opened; "[erased]" once erased)'),
    user_agent: z.string().nullable(),
    last_client_address: z.string().nullable().describe('Where the latest refresh came from'),
    last_user_agent: z.string().nullable(),
    revoked: z.boolean(),
    revoked_reason: z
      .enum(['logout', 'reuse_detected', 'credentials_changed'])
      .nullable()
      .describe('credentials_changed: a later password change, deactivation or account deletion'),
  }),
);
const userDetail = component(
  'AdminUserDetail',
  userItem.extend({
    homes: z.array(z.object({ id, name: z.string(), role: z.string() })),
    token_families: z.array(tokenFamily).describe('Newest first, at most 50'),
  }),
);
const homeItem = component(
  'AdminHome',
  z.object({
    id,
    name: z.string(),
    owner_id: id,
    owner_email: z.string().nullable(),
    active_gateway_id: id.nullable(),
    members: z.number().int(),
    created_at: isoTimeOrNull,
  }),
);
const adminAuditItem = component(
  'AdminAuditItem',
  z.object({
    position: z.string(),
    home_id: id.nullable(),
    stream: z.string(),
    revision: z.number().int(),
    type: z.string(),
    occurred_at: isoTimeOrNull,
    recorded_at: isoTimeOrNull,
    actor: z.unknown().describe('{kind, id} of who acted (null when not recorded)'),
    data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
  }),
);
const homeDetail = component(
  'AdminHomeDetail',
  homeItem.extend({
    members: z.array(z.object({ user_id: id, email: z.string().nullable(), role: z.string() })),
    gateway: z.object({ id, name: z.string(), status: z.string(), online: z.boolean() }).nullable(),
    audit: z.array(adminAuditItem).describe('The 20 newest events of the home'),
  }),
);
const gatewayItem = component(
  'AdminGateway',
  z.object({
    id,
    home_id: id,
    name: z.string(),
    version: z.string().nullable(),
    status: z.string(),
    online: z.boolean(),
    last_seen: isoTimeOrNull,
    node_id: z.string().nullable(),
    session_id: id.nullable(),
    created_at: isoTimeOrNull,
    revoked_at: isoTimeOrNull,
  }),
);
const gatewayDetail = component(
  'AdminGatewayDetail',
  gatewayItem.extend({
    sessions: z.array(
      z.object({
        session_id: id,
        node_id: z.string(),
        remote_address: z.string().nullable(),
        started_at: isoTimeOrNull,
        ended_at: isoTimeOrNull,
        close_reason: z.string().nullable(),
      }),
    ),
    queued_commands: z.array(
      z.object({
        id,
        device_id: z.string(),
        action: z.string(),
        status: z.string(),
        issued_at: isoTimeOrNull,
        attempts: z.number().int(),
      }),
    ),
  }),
);
const sessionItem = component(
  'AdminSession',
  z.object({
    session_id: id,
    gateway_id: id,
    gateway_name: z.string().nullable(),
    home_id: id,
    node_id: z.string(),
    remote_address: z.string().nullable(),
    started_at: isoTimeOrNull,
    frames_in: z.number().int(),
    frames_out: z.number().int(),
    duration_s: z.number().int(),
  }),
);
const rebuild = component(
  'AdminRebuild',
  z.object({
    id,
    projection: z.string(),
    state: z
      .enum(['running', 'completed', 'failed', 'interrupted'])
      .describe('interrupted: recorded as running, but no node holds its lease (its node died)'),
    staff_id: id.nullable(),
    reason: z.string(),
    node_id: z.string(),
    done: z.number().int().describe('Events replayed so far'),
    total: z.number().int().nullable().describe('Events to replay (null when the store cannot count them)'),
    rejected: z.number().int().nullable(),
    error: z.string().nullable(),
    started_at: isoTime,
    updated_at: isoTime,
    finished_at: isoTimeOrNull,
  }),
);
const projectionItem = component(
  'AdminProjection',
  z.object({
    name: z.string(),
    version: z.number().int(),
    tables_version: z.number().int().nullable(),
    checkpoint: z.string().nullable(),
    lag_events: z.number().int(),
    lag_capped: z.boolean(),
    lag_seconds: z.number(),
    state: z.string(),
    rejected_events: z.number().int(),
    applied_by: z.string().nullable().describe('The node holding its worker lease (applying it); null: none now'),
    rebuild: rebuild.nullable().describe('Its newest rebuild started from the admin API'),
  }),
);
const projectionDetail = component(
  'AdminProjectionDetail',
  projectionItem.extend({ rebuilds: z.array(rebuild).describe('Newest first, at most 10') }),
);
const rebuildAccepted = component(
  'AdminRebuildAccepted',
  z.object({
    rebuild_id: id,
    projection: z.string(),
    status: z.literal('running'),
    location: z.string().describe('GET it to follow the progress (also the Location header)'),
  }),
);
const node = component(
  'AdminNode',
  z.object({
    node_id: z.string(),
    bridge_lease: z
      .object({ live: z.boolean(), expires_at: isoTime, registered_at: isoTime, reaper: z.string().nullable() })
      .nullable()
      .describe('Its row in bridge_node_leases; null for a process that only applies projections'),
    projections: z.array(z.string()).describe('The projections whose worker lease it holds'),
  }),
);
const overview = component(
  'AdminOverview',
  z.object({
    at: isoTime,
    homes: z.number().int(),
    gateways: z.object({
      total: z.number().int(),
      online: z.number().int(),
      offline: z.number().int(),
      revoked: z.number().int(),
    }),
    sessions_open: z.number().int(),
    commands_per_minute: z.number().int(),
    projections: z.array(
      z.object({
        name: z.string(),
        state: z.string(),
        lag_events: z.number().int(),
        lag_seconds: z.number(),
        applied_by: z.string().nullable(),
      }),
    ),
    max_projection_lag_seconds: z.number(),
    nodes: z.array(node),
  }),
);

export type AdminUserDetailResponse = z.infer<typeof userDetail>;
export type AdminProjectionResponse = z.infer<typeof projectionItem>;
export type AdminOverviewResponse = z.infer<typeof overview>;

// ---- Operations ----

const STAFF_ONLY = error('staff_only: not staff in good standing (any home role, or none, is refused alike)');
const staffOperation = (operation: Omit<Operation, 'auth' | 'tags'>): Operation => ({
  ...operation,
  auth: 'user',
  tags: ['admin'],
  responses: { 403: STAFF_ONLY, ...operation.responses },
});
const list = (path: string, operationId: string, summary: string, query: z.ZodObject, body: z.ZodType) =>
  staffOperation({ method: 'get', path, operationId, summary, query, responses: { 200: json('A page', body) } });
const detail = (path: string, operationId: string, summary: string, body: z.ZodType, notFound: string) =>
  staffOperation({
    method: 'get',
    path,
    operationId,
    summary,
    params: uuidParams('id'),
    responses: { 200: json('Found', body), 404: error(notFound) },
  });
const staffWrite = (
  path: string,
  operationId: string,
  summary: string,
  answer: ResponseSpec,
  more: Record<number, ResponseSpec>,
) =>
  staffOperation({
    method: 'post',
    path,
    operationId,
    summary,
    params: uuidParams('id'),
    body: reasonBody,
    responses: { 200: answer, 202: pending(), ...more },
  });

export const adminOperations: readonly Operation[] = [
  list(
    '/api/admin/users',
    'adminListUsers',
    'Users by e-mail or name, staff and deactivation',
    usersQuery,
    paged('AdminUserPage', userItem),
  ),
  detail(
    '/api/admin/users/{id}',
    'adminGetUser',
    'A user with homes and roles, last login and refresh-token families',
    userDetail,
    'user_not_found',
  ),
  staffWrite(
    '/api/admin/users/{id}/deactivate',
    'adminDeactivateUser',
    'Deactivate a user, with a reason: every token family dies, their sockets close',
    json('The user, deactivated', userDetail),
    { 404: error('user_not_found'), 409: error('own_account: staff cannot deactivate themselves') },
  ),
  staffWrite(
    '/api/admin/users/{id}/reactivate',
    'adminReactivateUser',
    'Reactivate a user, with a reason (they sign in again)',
    json('The user, active', userDetail),
    { 404: error('user_not_found'), 409: error('own_account: staff cannot reactivate themselves') },
  ),
  list(
    '/api/admin/homes',
    'adminListHomes',
    'Homes by name or owner e-mail',
    homesQuery,
    paged('AdminHomePage', homeItem),
  ),
  detail(
    '/api/admin/homes/{id}',
    'adminGetHome',
    'A home with members, gateway and recent history',
    homeDetail,
    'home_not_found',
  ),
  list(
    '/api/admin/gateways',
    'adminListGateways',
    'Gateways by name or id, status, home; with version, last seen and node',
    gatewaysQuery,
    paged('AdminGatewayPage', gatewayItem),
  ),
  detail(
    '/api/admin/gateways/{id}',
    'adminGetGateway',
    'A gateway with its session history and queued commands',
    gatewayDetail,
    'gateway_not_found',
  ),
  staffWrite(
    '/api/admin/gateways/{id}/revoke',
    'adminRevokeGateway',
    'Revoke a gateway, with a reason: its live session is closed',
    json('The gateway, revoked', gatewayDetail),
    { 404: error('gateway_not_found'), 409: error('gateway_revoked or another conflict') },
  ),
  list(
    '/api/admin/sessions',
    'adminListSessions',
    'Open bridge sessions with node and duration',
    sessionsQuery,
    paged('AdminSessionPage', sessionItem),
  ),
  staffOperation({
    method: 'get',
    path: '/api/admin/nodes',
    operationId: 'adminListNodes',
    summary: 'Nodes: bridge node leases and the projections each applies (worker leases)',
    responses: { 200: json('Every node', z.object({ items: z.array(node), total: z.number().int() })) },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/overview',
    operationId: 'adminGetOverview',
    summary: 'The fleet in numbers, projection lag and nodes',
    responses: { 200: json('The overview', overview) },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/overview/stream',
    operationId: 'adminStreamOverview',
    summary: 'Server-sent events: `overview` (as GET /overview) on every fleet change, `rebuild` per rebuild event',
    description:
      '`event: rebuild` data is `{type, data: {rebuild_id, projection, done?, total?, …}, at}` for ' +
      'ProjectionRebuildStarted/Progressed/Completed/Failed, as they are written on any node.',
    responses: { 200: { description: 'An endless event stream', contentType: 'text/event-stream' } },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/projections',
    operationId: 'adminListProjections',
    summary: 'Every read model: lag, state, dead letters, the node applying it and its newest rebuild',
    responses: {
      200: json('Every projection', z.object({ items: z.array(projectionItem), total: z.number().int() })),
    },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/projections/{name}',
    operationId: 'adminGetProjection',
    summary: 'A read model with its recent rebuilds and their progress',
    params: z.object({ name: projectionName }),
    responses: { 200: json('Found', projectionDetail), 404: error('projection_not_found') },
  }),
  staffOperation({
    method: 'post',
    path: '/api/admin/projections/{name}/rebuild',
    operationId: 'adminRebuildProjection',
    summary: 'Start a blue/green rebuild (as `projections rebuild`) in the background, with a reason',
    description:
      'Recorded as ProjectionRebuildStarted/Progressed/Completed/Failed on projection_rebuild-<id>, with you as ' +
      'actor. Follow it at the Location, or on /api/admin/overview/stream.',
    params: z.object({ name: projectionName }),
    body: reasonBody,
    responses: {
      202: json('Started', rebuildAccepted, { Location: 'The projection, with the rebuild and its progress' }),
      404: error('projection_not_found'),
      409: error('rebuild_running: a rebuild of this projection runs already (on any node, or the CLI)'),
    },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/audit',
    operationId: 'adminListAudit',
    summary: 'Every home’s history, newest first, filtered by home, user, gateway, type and time',
    query: adminAuditQuery,
    responses: {
      200: json('A page of events', z.object({ items: z.array(adminAuditItem), next_cursor: z.string().nullable() })),
    },
  }),
  staffOperation({
    method: 'get',
    path: '/api/admin/audit/export',
    operationId: 'adminExportAudit',
    summary: 'JSON Lines as `audit export` writes them (events as stored); `audit verify --file` checks it',
    query: adminExportQuery,
    responses: {
      200: { description: 'One event per line, oldest first', contentType: 'application/x-ndjson' },
    },
  }),
];
