import { z } from 'zod';
import { normaliseEmail } from '../../domain/accounts/email.ts';
import { homeNameProblem } from '../../domain/homes/home-name.ts';
import { GRANTABLE_ROLES, ROLES } from '../../domain/homes/roles.ts';
import { pageHeaders, pageQuery } from '../pagination.ts';
import { uuid } from '../path-params.ts';
import {
  component,
  error,
  id,
  isoTime,
  json,
  noContent,
  pending,
  uuidParams,
  type Operation,
} from '../openapi/operation.ts';

/** Trimmed first, then 1–100 printable characters (the domain checks the same rule again). */
export const renameHomeBody = z.object({
  name: z
    .string()
    .max(400)
    .trim()
    .superRefine((name, ctx) => {
      const problem = homeNameProblem(name);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe('1 to 100 printable characters once trimmed'),
});
const grantableRole = z.enum(GRANTABLE_ROLES);
export const grantBody = z
  .object({
    email: z.string().trim().max(254).email().transform(normaliseEmail).optional(),
    user_id: uuid.optional(),
    role: grantableRole,
  })
  .refine((body) => (body.email === undefined) !== (body.user_id === undefined), {
    message: 'send either email or user_id',
  });
export const changeRoleBody = z.object({ role: grantableRole });

const role = z.enum(ROLES);
export const homeResponse = component(
  'Home',
  z.object({
    id,
    name: z.string(),
    role: role.describe('Your role in the home'),
    owner_id: id,
    active_gateway_id: id.nullable(),
    created_at: isoTime,
  }),
);
export const permissionResponse = component(
  'Permission',
  z.object({
    user_id: id,
    email: z.string().nullable(),
    name: z.string().nullable(),
    role,
    granted_by: id,
    granted_at: isoTime,
  }),
);
export type HomeResponse = z.infer<typeof homeResponse>;
export type PermissionResponse = z.infer<typeof permissionResponse>;

const homeNotFound = error('home_not_found: no such home, or not one of yours');
const forbidden = error('forbidden (your role may not do this) or owner_is_fixed (the owner keeps the owner role)');

const homeRename = (method: 'patch' | 'put', operationId: string, summary: string): Operation => ({
  method,
  path: '/api/homes/{home_id}',
  operationId,
  summary,
  tags: ['homes'],
  auth: 'user',
  params: uuidParams('home_id'),
  body: renameHomeBody,
  responses: {
    200: json('The renamed home', homeResponse),
    202: pending(),
    400: error('validation_error or invalid_home_name'),
    403: forbidden,
    404: homeNotFound,
    409: error('concurrent_update: retry'),
  },
});

const permissions = '/api/gateways/homes/{home_id}/permissions';
const permissionOperation = (
  operation: Pick<Operation, 'method' | 'path' | 'operationId' | 'summary' | 'responses'> & Partial<Operation>,
): Operation => ({ tags: ['permissions'], auth: 'user', params: uuidParams('home_id'), ...operation });
const permissionNotFound = error('home_not_found, or permission_not_found (this user has no role in this home)');

export const homeOperations: readonly Operation[] = [
  {
    method: 'get',
    path: '/api/homes',
    operationId: 'listHomes',
    summary: 'Your homes, with your role in each (oldest first)',
    description:
      'The whole list unless you ask for a page with `limit` (1–100, default 50) or `cursor` (the mobile app reads ' +
      'it whole). A page is the same array; when more follow, `Link` (rel="next") and `X-Next-Cursor` say where.',
    tags: ['homes'],
    auth: 'user',
    query: pageQuery,
    responses: {
      200: json('Your homes', z.array(homeResponse), pageHeaders),
      400: error('validation_error (details.issues), or invalid_cursor'),
    },
  },
  {
    method: 'get',
    path: '/api/homes/{home_id}',
    operationId: 'getHome',
    summary: 'One of your homes',
    tags: ['homes'],
    auth: 'user',
    params: uuidParams('home_id'),
    responses: { 200: json('The home', homeResponse), 404: homeNotFound },
  },
  homeRename('patch', 'renameHome', 'Rename a home (owner or admin)'),
  homeRename('put', 'renameHomePut', 'Same as PATCH (the original accepted PUT)'),
  permissionOperation({
    method: 'get',
    path: permissions,
    operationId: 'listPermissions',
    summary: 'Who may use a home, and with which role (earliest grant first), a page at a time',
    description:
      'Always paged: `limit` (1–100, default 50) and `cursor`. The body is the array it always was; when more ' +
      'follow, the `Link` header (rel="next") and `X-Next-Cursor` carry the next page.',
    query: pageQuery,
    responses: {
      200: json('Members', z.array(permissionResponse), pageHeaders),
      400: error('validation_error (details.issues), or invalid_cursor'),
      403: forbidden,
      404: homeNotFound,
    },
  }),
  permissionOperation({
    method: 'post',
    path: permissions,
    operationId: 'grantPermission',
    summary: 'Give a user (by e-mail or id) a role in the home; granting again changes the role',
    body: grantBody,
    responses: {
      200: json('The role was changed', permissionResponse),
      201: json('The role was granted', permissionResponse),
      202: pending(),
      403: forbidden,
      404: error('home_not_found, or user_not_found (no account with this e-mail or id)'),
      409: error('concurrent_update: retry'),
    },
  }),
  permissionOperation({
    method: 'patch',
    path: `${permissions}/{user_id}`,
    operationId: 'changePermission',
    summary: "Change a member's role",
    params: uuidParams('home_id', 'user_id'),
    body: changeRoleBody,
    responses: {
      200: json('The changed permission', permissionResponse),
      202: pending(),
      403: forbidden,
      404: permissionNotFound,
      409: error('concurrent_update: retry'),
    },
  }),
  permissionOperation({
    method: 'delete',
    path: `${permissions}/{user_id}`,
    operationId: 'revokePermission',
    summary: 'Remove a member from the home (their live sockets are closed)',
    params: uuidParams('home_id', 'user_id'),
    responses: {
      204: noContent('Removed'),
      403: forbidden,
      404: permissionNotFound,
      409: error('owner_cannot_leave, or concurrent_update'),
    },
  }),
];
