import { commonErrors, errorResponse, jsonBody, jsonResponse } from './components.ts';

/**
 * Leaving: account deletion, leaving a home, ownership transfer, home deletion (routes/leaving-routes.ts, whose zod
 * schemas `deleteAccountBody`, `transferOwnershipBody` and `soleOwnerDetails` these describe).
 */
const bearer = [{ bearer: [] }];
const uuid = { type: 'string', format: 'uuid' };
const homeParam = { name: 'home_id', in: 'path', required: true, schema: uuid };
const homeNotFound = errorResponse('No such home, or you are not a member');
const ownerOnly = errorResponse('Only the owner may do this');

export const deleteHomeOperation = {
  tags: ['homes'],
  security: bearer,
  summary:
    'Delete the home (owner): its gateway is revoked and its session closed, waiting commands are withdrawn, members lose access, its free text is shredded',
  parameters: [homeParam],
  responses: { 204: { description: 'Deleted' }, 403: ownerOnly, 404: homeNotFound, ...commonErrors },
};

export const leavingPaths = {
  '/api/auth/account': {
    delete: {
      tags: ['auth'],
      security: bearer,
      summary:
        'Delete your account: leaves every home, ends every sign-in, frees the e-mail address, destroys your data key (your personal data reads "[erased]" everywhere)',
      requestBody: jsonBody({
        type: 'object',
        required: ['password', 'confirm'],
        additionalProperties: false,
        properties: { password: { type: 'string', maxLength: 4096 }, confirm: { type: 'string', enum: ['DELETE'] } },
      }),
      responses: {
        ...commonErrors,
        204: { description: 'Deleted' },
        400: errorResponse('`wrong_password`, or an invalid body (`confirm` must be "DELETE")'),
        409: jsonResponse('`sole_owner`: transfer or delete these homes first (`error.details.homes`)', {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'string', enum: ['sole_owner'] },
                message: { type: 'string' },
                details: {
                  type: 'object',
                  properties: {
                    homes: {
                      type: 'array',
                      items: { type: 'object', properties: { id: uuid, name: { type: 'string' } } },
                    },
                  },
                },
              },
            },
          },
        }),
      },
    },
  },
  '/api/homes/{home_id}/leave': {
    post: {
      tags: ['homes'],
      security: bearer,
      summary: 'Leave the home (any member but the owner)',
      parameters: [homeParam],
      responses: {
        204: { description: 'Left' },
        404: homeNotFound,
        409: errorResponse('`owner_cannot_leave`: transfer ownership first'),
        ...commonErrors,
      },
    },
  },
  '/api/homes/{home_id}/transfer-ownership': {
    post: {
      tags: ['homes'],
      security: bearer,
      summary: 'Hand the home to another member (owner); you stay as an admin',
      parameters: [homeParam],
      requestBody: jsonBody({
        type: 'object',
        required: ['user_id'],
        additionalProperties: false,
        properties: { user_id: uuid },
      }),
      responses: {
        200: jsonResponse('The home as you now see it', { $ref: '#/components/schemas/Home' }),
        403: ownerOnly,
        404: errorResponse('`home_not_found`, or `permission_not_found`: the new owner is not a member'),
        ...commonErrors,
      },
    },
  },
};
