export const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

export const jsonBody = (schema: Record<string, unknown>) => ({
  required: true,
  content: { 'application/json': { schema } },
});

export const jsonResponse = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { 'application/json': { schema } },
});

export const commonErrors = {
  400: errorResponse(
    'Invalid body (validation_error), malformed JSON (invalid_json), invalid id (invalid_id), or a body or query out of ' +
      'bounds (json_out_of_bounds: deeper than 32 levels, over 100,000 values, a string over 65,536 characters, a ' +
      'non-finite number, NUL or a lone surrogate; details {violation, path})',
  ),
  401: errorResponse('Missing or invalid access token'),
  413: errorResponse('Body larger than 1 MiB'),
  415: errorResponse('Body is not application/json'),
};

export const components = {
  securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  schemas: {
    Error: {
      type: 'object',
      required: ['error'],
      properties: {
        error: {
          type: 'object',
          required: ['code', 'message'],
          properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
        },
      },
    },
    Profile: {
      type: 'object',
      properties: {
        id: { type: 'string', format: 'uuid' },
        email: { type: 'string', format: 'email' },
        name: { type: 'string' },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
      },
    },
    Tokens: {
      type: 'object',
      properties: { access: { type: 'string' }, refresh: { type: 'string' } },
    },
  },
};
