import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

const bearer = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' };
const grantableRole = { type: 'string', enum: ['admin', 'user', 'viewer'] };
const homeParam = { name: 'home_id', in: 'path', required: true, schema: uuid };
const userParam = { name: 'user_id', in: 'path', required: true, schema: uuid };
const permissionRef = { $ref: '#/components/schemas/Permission' };
const homeNotFound = errorResponse('No such home, or you are not a member');
const forbidden = errorResponse('Your role does not allow this (admins manage users and viewers; owners also admins)');

const renameHome = {
  tags: ['homes'],
  security: bearer,
  summary: 'Rename the home (owner, admin)',
  requestBody: jsonBody({
    type: 'object',
    required: ['name'],
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100, description: 'Trimmed; no control characters' },
    },
  }),
  responses: {
    200: jsonResponse('Home', { $ref: '#/components/schemas/Home' }),
    403: forbidden,
    404: homeNotFound,
    ...commonErrors,
  },
};

export const homeSchemas = {
  Home: {
    type: 'object',
    properties: {
      id: uuid,
      name: {
        type: 'string',
        description: 'Set at creation (pairing: home_name), "Home" otherwise; owner and admin rename it',
      },
      role: { type: 'string', enum: ['owner', 'admin', 'user', 'viewer'] },
      owner_id: uuid,
      active_gateway_id: { type: ['string', 'null'], format: 'uuid' },
      created_at: { type: 'string', format: 'date-time' },
    },
  },
  Permission: {
    type: 'object',
    properties: {
      user_id: uuid,
      email: { type: 'string', format: 'email' },
      name: { type: 'string' },
      role: { type: 'string', enum: ['owner', 'admin', 'user', 'viewer'] },
      granted_by: uuid,
      granted_at: { type: 'string', format: 'date-time' },
    },
  },
};

export const homePaths = {
  '/api/homes/': {
    get: {
      tags: ['homes'],
      security: bearer,
      summary: 'Your homes, with your role in each',
      responses: {
        200: jsonResponse('Homes', { type: 'array', items: { $ref: '#/components/schemas/Home' } }),
        ...commonErrors,
      },
    },
  },
  '/api/homes/{home_id}/': {
    parameters: [homeParam],
    get: {
      tags: ['homes'],
      security: bearer,
      summary: 'One of your homes',
      responses: {
        200: jsonResponse('Home', { $ref: '#/components/schemas/Home' }),
        404: homeNotFound,
        ...commonErrors,
      },
    },
    patch: renameHome,
    put: { ...renameHome, summary: 'Rename the home (owner, admin); same as PATCH' },
  },
  '/api/gateways/homes/{home_id}/permissions/': {
    parameters: [homeParam],
    get: {
      tags: ['permissions'],
      security: bearer,
      summary: 'Who has which role (owner, admin)',
      responses: {
        200: jsonResponse('Permissions', { type: 'array', items: permissionRef }),
        403: forbidden,
        404: homeNotFound,
        ...commonErrors,
      },
    },
    post: {
      tags: ['permissions'],
      security: bearer,
      summary: 'Grant a role to a user by e-mail or id (201 new member, 200 role changed); nobody grants owner',
      requestBody: jsonBody({
        type: 'object',
        required: ['role'],
        properties: { email: { type: 'string', format: 'email' }, user_id: uuid, role: grantableRole },
        description: 'Exactly one of email and user_id',
      }),
      responses: {
        200: jsonResponse('Role changed (or unchanged)', permissionRef),
        201: jsonResponse('Granted', permissionRef),
        403: forbidden,
        404: errorResponse('No such home (home_not_found) or user (user_not_found)'),
        ...commonErrors,
      },
    },
  },
  '/api/gateways/homes/{home_id}/permissions/{user_id}/': {
    parameters: [homeParam, userParam],
    patch: {
      tags: ['permissions'],
      security: bearer,
      summary: "Change a member's role (owner, admin)",
      requestBody: jsonBody({ type: 'object', required: ['role'], properties: { role: grantableRole } }),
      responses: { 200: jsonResponse('Permission', permissionRef), 403: forbidden, 404: homeNotFound, ...commonErrors },
    },
    delete: {
      tags: ['permissions'],
      security: bearer,
      summary: 'Remove a member (owner, admin; any member for themselves, except the owner)',
      responses: {
        204: { description: 'Removed' },
        403: forbidden,
        404: homeNotFound,
        409: errorResponse('The owner cannot leave'),
        ...commonErrors,
      },
    },
  },
};
