import { z } from 'zod';
import { normaliseEmail } from '../../domain/accounts/email.ts';
import {
  component,
  error,
  id,
  isoTime,
  json,
  noContent,
  pending,
  pendingFields,
  type Operation,
} from '../openapi/operation.ts';

const email = z.string().trim().max(254).email('must be a valid e-mail address').transform(normaliseEmail);
const password = z
  .string()
  .min(8, 'must be at least 8 characters')
  .refine((value) => Buffer.byteLength(value, 'utf8') <= 1024, 'must be at most 1024 bytes')
  .describe('8 characters to 1024 bytes');
const name = z.string().trim().max(150);

export const registerBody = z
  .object({
    email,
    password,
    name: name.optional(),
    first_name: name.optional(),
    last_name: name.optional(),
    // Apps written for the earlier service send a confirmation field.
    password2: z.string().max(4096).optional().describe('When present, must equal password'),
  })
  .refine((body) => body.password2 === undefined || body.password2 === body.password, {
    message: 'must equal password',
    path: ['password2'],
  });
export const loginBody = z.object({ email, password: z.string().min(1).max(4096) });
export const refreshBody = z.object({ refresh: z.string().min(1).max(4096) });
export const profilePatch = z
  .object({ name: name.optional(), email: email.optional() })
  .refine((body) => body.name !== undefined || body.email !== undefined, { message: 'send name and/or email' });
export const changePasswordBody = z.object({ old_password: z.string().min(1).max(4096), new_password: password });

export const profileResponse = component(
  'Profile',
  z.object({ id, email: z.string(), name: z.string(), created_at: isoTime, updated_at: isoTime }),
);
export const tokensResponse = component('Tokens', z.object({ access: z.string(), refresh: z.string() }));
export const sessionResponse = component(
  'Session',
  z.object({
    access: z.string(),
    refresh: z.string(),
    user: profileResponse,
    homes: z.array(id).describe('Ids of the homes you belong to (empty right after registering)'),
  }),
);
export type ProfileResponse = z.infer<typeof profileResponse>;
export type SessionResponse = z.infer<typeof sessionResponse>;
export type TokensResponse = z.infer<typeof tokensResponse>;

const tags = ['auth'];
const tokenHeaders = { 'Cache-Control': 'no-store' };
const tooMany = error('rate_limited: too many failed attempts (details.retry_after_s; Retry-After)');
const conflict = error('email_taken (another account has this e-mail), or concurrent_update (retry)');

const refreshOperation = (operationId: string, path: string, summary: string): Operation => ({
  method: 'post',
  path,
  operationId,
  summary,
  tags,
  auth: 'none',
  body: refreshBody,
  responses: {
    200: json(
      'New access and refresh tokens (the old refresh token is spent; reusing it ends the family)',
      tokensResponse,
      tokenHeaders,
    ),
    401: error('invalid_token: expired, malformed, spent or ended refresh token'),
  },
});

const profileUpdate = (method: 'patch' | 'put', operationId: string, summary: string): Operation => ({
  method,
  path: '/api/auth/profile',
  operationId,
  summary,
  tags,
  auth: 'user',
  body: profilePatch,
  responses: {
    200: json('The updated profile', profileResponse),
    202: pending(),
    404: error('user_not_found: the account no longer exists'),
    409: conflict,
  },
});

/** Signed in on another node whose users read model is stuck: the tokens and homes now, the profile at Location. */
const pendingLogin = z.object({ ...pendingFields, access: z.string(), refresh: z.string(), homes: z.array(id) });

export const authOperations: readonly Operation[] = [
  {
    method: 'post',
    path: '/api/auth/register',
    operationId: 'register',
    summary: 'Register and sign in',
    tags,
    auth: 'none',
    body: registerBody,
    responses: { 201: json('Registered and signed in', sessionResponse, tokenHeaders), 409: conflict },
  },
  {
    method: 'post',
    path: '/api/auth/login',
    operationId: 'logIn',
    summary: 'Sign in with e-mail and password',
    tags,
    auth: 'none',
    body: loginBody,
    responses: {
      200: json('Signed in', sessionResponse, tokenHeaders),
      202: pending(pendingLogin),
      401: error('invalid_credentials: unknown e-mail or wrong password (the same answer for both)'),
      429: tooMany,
    },
  },
  refreshOperation('refreshTokens', '/api/auth/refresh', 'Exchange a refresh token for new tokens'),
  refreshOperation('refreshTokensAlias', '/api/auth/token/refresh', 'Alias of /api/auth/refresh (the field app)'),
  {
    method: 'post',
    path: '/api/auth/logout',
    operationId: 'logOut',
    summary: 'End a sign-in: revoke a refresh token and its family',
    tags,
    auth: 'none',
    body: refreshBody,
    responses: { 204: noContent('Signed out'), 401: error('invalid_token: not a valid refresh token') },
  },
  {
    method: 'get',
    path: '/api/auth/profile',
    operationId: 'getProfile',
    summary: 'Your profile',
    tags,
    auth: 'user',
    responses: {
      200: json('Your profile', profileResponse),
      404: error('user_not_found: the account no longer exists'),
    },
  },
  profileUpdate('patch', 'updateProfile', 'Change your name and/or e-mail'),
  profileUpdate('put', 'replaceProfile', 'Same as PATCH (the original accepted PUT)'),
  {
    method: 'post',
    path: '/api/auth/change-password',
    operationId: 'changePassword',
    summary: 'Change your password; every refresh token issued before stops working',
    tags,
    auth: 'user',
    body: changePasswordBody,
    responses: {
      204: noContent('Changed'),
      400: error('validation_error, or wrong_password: old_password does not match'),
      409: error('concurrent_update: retry'),
      429: tooMany,
    },
  },
];
