import type { Context } from 'koa';
import { z } from 'zod';
import { commandContext } from '../middleware/request-context.ts';
import { validate } from '../validation.ts';
import type { CommandContext } from '../../commands/metadata.ts';

/** Every admin list: `?limit=` (1–100, default 25) and `?offset=` (at most 1,000,000). */
export const page = {
  limit: z.coerce.number().int().min(1).max(100).default(25),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** A search term: trimmed, bounded, empty means none. */
export const searchTerm = z
  .string()
  .trim()
  .max(200)
  .optional()
  .transform((value) => (value ? value : undefined));

export const flag = z
  .enum(['true', 'false'])
  .optional()
  .transform((value) => (value === undefined ? undefined : value === 'true'));

/** Every staff action says why. */
export const reasonBody = z.object({ reason: z.string().trim().min(3).max(500) }).strict();

export const queryOf = <Schema extends z.ZodType>(schema: Schema, ctx: Context): z.infer<Schema> =>
  validate(schema, ctx.query, 'query');

/** The context of a staff action: the staff member is the actor, with kind `staff`. */
export const staffContext = (ctx: Context): CommandContext =>
  commandContext(ctx, { kind: 'staff', id: ctx.state.userId as string });

/** A listing answer: the page, the total, and where the next page starts (null: none). */
export function pageBody<Row, Item>(
  listing: { items: Row[]; total: number },
  query: { limit: number; offset: number },
  map: (row: Row) => Item,
) {
  const next = query.offset + listing.items.length;
  return {
    items: listing.items.map(map),
    total: listing.total,
    limit: query.limit,
    offset: query.offset,
    next_offset: next < listing.total ? next : null,
  };
}
