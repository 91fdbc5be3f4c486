import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

const session = {
  type: 'object',
  properties: {
    user: { $ref: '#/components/schemas/Profile' },
    access: { type: 'string' },
    refresh: { type: 'string' },
    homes: { type: 'array', items: { type: 'string', format: 'uuid' } },
  },
};
const refreshBody = jsonBody({ type: 'object', required: ['refresh'], properties: { refresh: { type: 'string' } } });
const refreshOperation = {
  tags: ['auth'],
  summary: 'Rotate a refresh token',
  description:
    'Answers a new access token and a new refresh token. REFRESH_TOKEN_REUSE=tolerant (default): the last presented ' +
    'token is accepted again while the refresh token issued for it was never presented (clients that keep only ' +
    '`access`); a new refresh token replaces that unused one, and the re-presentation is recorded ' +
    '(RefreshTokenRepresented: address, user agent). Any other reuse of a rotated token (its successor was used, or in ' +
    'strict mode any reuse) revokes the whole family: 401 token_revoked.',
  requestBody: refreshBody,
  responses: { 200: jsonResponse('New tokens', { $ref: '#/components/schemas/Tokens' }), ...commonErrors },
};
const bearer = [{ bearer: [] }];
const profileUpdate = {
  tags: ['auth'],
  security: bearer,
  summary: 'Change name and/or e-mail (a new e-mail must be free)',
  requestBody: jsonBody({
    type: 'object',
    properties: { name: { type: 'string' }, email: { type: 'string', format: 'email' } },
  }),
  responses: {
    200: jsonResponse('Profile', { $ref: '#/components/schemas/Profile' }),
    409: errorResponse('E-mail taken'),
    ...commonErrors,
  },
};

export const authPaths = {
  '/api/auth/register': {
    post: {
      tags: ['auth'],
      summary: 'Register',
      requestBody: jsonBody({
        type: 'object',
        required: ['email', 'password'],
        properties: {
          email: { type: 'string', format: 'email' },
          password: { type: 'string', minLength: 8, description: 'At most 1024 bytes' },
          name: { type: 'string' },
          first_name: { type: 'string' },
          last_name: { type: 'string' },
          password2: { type: 'string', description: 'When present, must equal password' },
        },
      }),
      responses: {
        201: jsonResponse('Registered and logged in', session),
        409: errorResponse('E-mail taken'),
        ...commonErrors,
      },
    },
  },
  '/api/auth/login': {
    post: {
      tags: ['auth'],
      summary: 'Log in',
      requestBody: jsonBody({
        type: 'object',
        required: ['email', 'password'],
        properties: { email: { type: 'string' }, password: { type: 'string' } },
      }),
      responses: {
        200: jsonResponse('Logged in', session),
        429: errorResponse('Too many failed logins (Retry-After)'),
        ...commonErrors,
      },
    },
  },
  '/api/auth/refresh': { post: refreshOperation },
  '/api/auth/token/refresh': { post: { ...refreshOperation, summary: 'Alias of /api/auth/refresh' } },
  '/api/auth/logout': {
    post: {
      tags: ['auth'],
      summary: 'Revoke a refresh token and its family',
      requestBody: refreshBody,
      responses: { 204: { description: 'Logged out' }, ...commonErrors },
    },
  },
  '/api/auth/profile': {
    get: {
      tags: ['auth'],
      security: bearer,
      summary: 'Your profile',
      responses: { 200: jsonResponse('Profile', { $ref: '#/components/schemas/Profile' }), ...commonErrors },
    },
    patch: profileUpdate,
    put: { ...profileUpdate, summary: 'Same as PATCH (the original accepted PUT)' },
  },
  '/api/auth/change-password': {
    post: {
      tags: ['auth'],
      security: bearer,
      summary: 'Change password; every refresh token issued before dies',
      requestBody: jsonBody({
        type: 'object',
        required: ['old_password', 'new_password'],
        properties: { old_password: { type: 'string' }, new_password: { type: 'string', minLength: 8 } },
      }),
      responses: { 204: { description: 'Changed' }, ...commonErrors },
    },
  },
};
