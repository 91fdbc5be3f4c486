import type { Context } from 'koa';
import { z } from 'zod';
import type { PageKey, PageRequest } from '../projections/queries/keyset-page.ts';
import { HttpError } from './http-error.ts';
import { decodeCursor, encodeCursor, invalidCursor } from './page-cursor.ts';
import { validate } from './validation.ts';

export const PAGE_DEFAULT = 50;
export const PAGE_MAX = 100;

export const pageQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(PAGE_MAX)
    .default(PAGE_DEFAULT)
    .describe(`Items per page, 1–${PAGE_MAX} (default ${PAGE_DEFAULT})`),
  cursor: z
    .string()
    .max(200)
    .optional()
    .describe('The next cursor of the previous page, as it came; absent: the first page'),
});

/** A list's key as a cursor carries it: `<UTC microsecond timestamp>|<uuid>` (keyset-page.ts). */
const PAGE_KEY =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z\|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function pageKeyOf(cursor: string): PageKey {
  const [at, id] = decodeCursor(cursor, PAGE_KEY).split('|') as [string, string];
  // The pattern lets 2026-13-45 through; Date does not (it would reach the query as an error otherwise).
  const millis = `${at.slice(0, 23)}Z`;
  const valid = !Number.isNaN(Date.parse(millis)) && new Date(millis).toISOString() === millis;
  if (!valid) throw invalidCursor();
  return { at, id };
}

/** `?limit=&cursor=` (limit 1–100, default 50): a 400 naming every problem. `offset` is gone: say so. */
export function pageOf(query: Record<string, unknown>): PageRequest {
  if (query.offset !== undefined) {
    throw new HttpError(400, 'validation_error', 'The request query is invalid', {
      issues: [{ path: 'offset', message: 'offset is not supported: follow the next cursor of each page' }],
    });
  }
  const { limit, cursor } = validate(pageQuery, query, 'query');
  return { limit, after: cursor === undefined ? null : pageKeyOf(cursor) };
}

/**
 * Whether the caller asked for a page (lists the field clients read whole are paged only when asked). An `offset`
 * counts, so that it is refused with a 400 rather than ignored.
 */
export const asksForPage = (query: Record<string, unknown>): boolean =>
  query.limit !== undefined || query.cursor !== undefined || query.offset !== undefined;

export const cursorOf = (next: PageKey | null): string | null => (next ? encodeCursor(`${next.at}|${next.id}`) : null);

/**
 * For lists answered as a bare JSON array (the shape clients already read): the next page travels in headers,
 * `Link: <…?limit=&cursor=>; rel="next"` (RFC 8288) and `X-Next-Cursor`; the last page has neither.
 */
export function linkNextPage(ctx: Context, page: PageRequest, next: PageKey | null): void {
  const cursor = cursorOf(next);
  if (cursor === null) return;
  const params = new URLSearchParams({ limit: String(page.limit), cursor });
  ctx.set('Link', `<${ctx.path}?${params.toString()}>; rel="next"`);
  ctx.set('X-Next-Cursor', cursor);
}

/** The response headers of an array list, for the contract. */
export const pageHeaders = {
  Link: 'rel="next": the URL of the next page; absent on the last page',
  'X-Next-Cursor': 'The cursor of the next page (the same as in Link); absent on the last page',
} as const;
