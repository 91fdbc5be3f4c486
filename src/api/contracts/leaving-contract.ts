import { z } from 'zod';
import { error, json, noContent, pending, uuidParams, type Operation } from '../openapi/operation.ts';
import { uuid } from '../path-params.ts';
import { homeResponse } from './home-contract.ts';

/** `DELETE /api/auth/account`: the password again, and the word DELETE, so no stolen token or stray tap does it. */
export const deleteAccountBody = z
  .object({
    password: z.string().min(1).max(4096),
    confirm: z.literal('DELETE', { message: 'must be the string DELETE' }),
  })
  .strict();

/** `POST /api/homes/{id}/transfer-ownership`: the member who becomes the owner. */
export const transferOwnershipBody = z.object({ user_id: uuid }).strict();

const homeNotFound = error('home_not_found: no such home, or you are not a member');
const ownerOnly = error('forbidden: only the owner may do this');
const homeParams = uuidParams('home_id');

/** Leaving: delete one's account, leave a home, hand a home over, delete a home (`routes/leaving-routes.ts`). */
export const leavingOperations: readonly Operation[] = [
  {
    method: 'delete',
    path: '/api/auth/account',
    operationId: 'deleteAccount',
    summary:
      'Delete your account: leaves every home, ends every sign-in, frees the e-mail address and destroys your data ' +
      'key (your personal data reads "[erased]" everywhere, the history stays verifiable)',
    tags: ['auth'],
    auth: 'user',
    body: deleteAccountBody,
    responses: {
      204: noContent('Deleted'),
      400: error('wrong_password, or an invalid body (`confirm` must be "DELETE")'),
      404: error('user_not_found: the account is already deleted'),
      409: error(
        'sole_owner: transfer or delete the homes you own first (`error.details.homes`: [{id, name}]); or ' +
          'concurrent_update',
      ),
      429: error('too_many_attempts: wrong passwords, limited like change-password (Retry-After)'),
    },
  },
  {
    method: 'post',
    path: '/api/homes/{home_id}/leave',
    operationId: 'leaveHome',
    summary: 'Leave the home (any member but the owner)',
    tags: ['homes'],
    auth: 'user',
    params: homeParams,
    responses: {
      204: noContent('Left'),
      404: homeNotFound,
      409: error('owner_cannot_leave: transfer ownership first; or concurrent_update'),
    },
  },
  {
    method: 'post',
    path: '/api/homes/{home_id}/transfer-ownership',
    operationId: 'transferHomeOwnership',
    summary: 'Hand the home to another member (owner only); you stay as an admin',
    tags: ['homes'],
    auth: 'user',
    params: homeParams,
    body: transferOwnershipBody,
    responses: {
      200: json('The home as you now see it', homeResponse),
      202: pending(),
      403: ownerOnly,
      404: error('home_not_found, or permission_not_found: the new owner is not a member'),
      409: error('concurrent_update: retry'),
    },
  },
  {
    method: 'delete',
    path: '/api/homes/{home_id}',
    operationId: 'deleteHome',
    summary:
      'Delete the home (owner): its gateway is revoked and its session closed, waiting commands are withdrawn, ' +
      'members lose access, its free text is shredded. Idempotent for the owner who deleted it: a retry answers 204 ' +
      'and completes what a failed attempt left undone',
    tags: ['homes'],
    auth: 'user',
    params: homeParams,
    responses: {
      204: noContent('Deleted'),
      403: ownerOnly,
      404: homeNotFound,
      409: error('concurrent_update: retry'),
    },
  },
];
