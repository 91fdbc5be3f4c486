import { z } from 'zod';
import { HttpError } from './http-error.ts';

/**
 * The audit page cursor: base64url of `{"v":1,"p":"<position of the last item>"}`. Opaque to clients (they pass
 * `next_cursor` back as it came), versioned so the format can change without misreading old cursors.
 */
const cursorContent = z.object({ v: z.literal(1), p: z.string().regex(/^\d{20}:\d{20}$/) }).strict();
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;

export function encodeAuditCursor(position: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: position })).toString('base64url');
}

/** The position a cursor stands for; a cursor this server did not make is a 400. */
export function decodeAuditCursor(cursor: string): string {
  const invalid = () =>
    new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned; start again without it', {
      param: 'cursor',
    });
  if (!BASE64URL.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const result = cursorContent.safeParse(parsed);
  if (!result.success) throw invalid();
  return result.data.p;
}
