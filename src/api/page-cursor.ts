import { z } from 'zod';
import { HttpError } from './http-error.ts';

/**
 * Every list's page cursor: base64url of `{"v":1,"p":"<key of the last item>"}`. Opaque to clients (they pass it
 * back as it came), versioned so the format can change without misreading old cursors. Each list says what a key
 * looks like (`keyPattern`); a cursor whose key does not match is a 400, never a query.
 */
const BASE64URL = /^[A-Za-z0-9_-]{1,200}$/;
const cursorContent = z.object({ v: z.literal(1), p: z.string().max(120) }).strict();

export function encodeCursor(key: string): string {
  return Buffer.from(JSON.stringify({ v: 1, p: key })).toString('base64url');
}

export const invalidCursor = () =>
  new HttpError(400, 'invalid_cursor', 'cursor is not one this API returned; start again without it', {
    param: 'cursor',
  });

/** The key a cursor stands for; a cursor this server did not make is a 400. */
export function decodeCursor(cursor: string, keyPattern: RegExp): string {
  if (!BASE64URL.test(cursor)) throw invalidCursor();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const result = cursorContent.safeParse(parsed);
  if (!result.success || !keyPattern.test(result.data.p)) throw invalidCursor();
  return result.data.p;
}
