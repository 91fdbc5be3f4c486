import type { z } from 'zod';
import { HttpError } from './http-error.ts';
import { requireBoundedInput } from './input-bounds.ts';

/**
 * Validates a body or query against a zod schema; failures are 400 with one entry per problem. A query is bounds
 * checked here (a body already was, by the body parser): `%00` decodes to NUL, which no column can hold.
 */
export function validate<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: 'body' | 'query' = 'body',
): z.infer<Schema> {
  if (what === 'query') requireBoundedInput('query', input);
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new HttpError(400, 'validation_error', `The request ${what} is invalid`, {
    issues: result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || what,
      message: issue.message,
    })),
  });
}
