import { z } from 'zod';
import { validate } from './validation.ts';

export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

/** `?limit=&offset=` (limit 1–100, default 20). */
export function pageOf(query: unknown): { limit: number; offset: number } {
  return validate(pageQuery, query, 'query');
}
