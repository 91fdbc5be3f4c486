import { z } from 'zod';
import { HttpError } from './http-error.ts';

/** Lower-cased, so one home or gateway never has two spellings (and two streams). */
export const uuid = z
  .string()
  .uuid()
  .transform((value) => value.toLowerCase());

/** A path id that is not a UUID is a 400, answered before anything is looked up. */
export function uuidParam(params: Record<string, string | undefined>, name: string): string {
  // The UUID pattern admits no NUL, surrogate or long text: whatever the router decoded is refused here.
  const result = uuid.safeParse(params[name]);
  if (!result.success) throw new HttpError(400, 'invalid_id', `${name} must be a UUID`, { param: name });
  return result.data;
}

export const isoOrNull = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
