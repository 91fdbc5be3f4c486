import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { WriteResult } from '../../commands/write-result.ts';
import { HttpError } from '../http-error.ts';
import { uuidParam } from '../path-params.ts';
import { answerPending } from '../routes/pending-answer.ts';
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

/**
 * The admin API's list and detail pair: `GET <path>` (filtered with `query`, paginated, each row mapped by
 * `item`) and, with `detail`, `GET <path>/:id` (a UUID; its body, or 404 `notFound` when there is no such row).
 */
export function addListRoutes<Schema extends z.ZodType<{ limit: number; offset: number }>, Row, Item>(
  router: Router,
  path: string,
  spec: {
    query: Schema;
    list(query: z.infer<Schema>): Promise<{ items: Row[]; total: number }>;
    item(row: Row): Item;
    detail?(id: string): Promise<object | null>;
    notFound: { code: string; message: string };
  },
): void {
  router.get(path, async (ctx: Context) => {
    const query = queryOf(spec.query, ctx);
    ctx.body = pageBody(await spec.list(query), query, spec.item);
  });
  const detail = spec.detail;
  if (!detail) return;
  router.get(`${path}/:id`, async (ctx: Context) => {
    const body = await detail(uuidParam(ctx.params, 'id'));
    if (body === null) throw new HttpError(404, spec.notFound.code, spec.notFound.message);
    ctx.body = body;
  });
}

/**
 * The answer of a staff write: once the read models hold it, `read()` (the fresh detail); when they did not catch
 * up in time (or the row is not there yet), 202 `pending` with the detail's location — never a 404 for what was
 * just written.
 */
export async function answerWrite(
  ctx: Context,
  admin: { settle(write: WriteResult): Promise<boolean> },
  write: WriteResult,
  location: string,
  read: () => Promise<object | null>,
): Promise<void> {
  const body = (await admin.settle(write)) ? await read() : null;
  if (body === null) return answerPending(ctx, location);
  ctx.body = body;
}
