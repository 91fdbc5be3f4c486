import type { Context, Next } from 'koa';
import getRawBody from 'raw-body';
import { HttpError } from '../http-error.ts';
import { requireBoundedInput } from '../input-bounds.ts';

const METHODS_WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return mediaType === 'application/json' || mediaType.endsWith('+json');
}

/**
 * Parses JSON bodies into `ctx.request.body`. Oversize → 413, another media type → 415, malformed → 400, and an
 * empty body is `{}` (so a POST without a body meets validation, not a parser error). A body deeper than 32 levels,
 * too big in values, or with NUL or a lone surrogate in a string is a 400 `json_out_of_bounds`.
 */
export function jsonBody(limitBytes: number) {
  return async (ctx: Context, next: Next) => {
    ctx.request.body = {};
    if (!METHODS_WITH_BODY.has(ctx.method)) return next();
    const declaredLength = Number(ctx.get('content-length') || '0');
    const hasBody = declaredLength > 0 || ctx.get('transfer-encoding') !== '';
    if (!hasBody) return next();
    if (declaredLength > limitBytes) {
      await discardBody(ctx, limitBytes);
      throw tooLarge(limitBytes);
    }
    if (!isJson(ctx.get('content-type'))) {
      await discardBody(ctx, limitBytes);
      throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json', {
        content_type: ctx.get('content-type') || null,
      });
    }
    let text: string;
    try {
      text = await getRawBody(ctx.req, { limit: limitBytes, encoding: 'utf8' });
    } catch (error) {
      if ((error as { type?: string }).type === 'entity.too.large') throw tooLarge(limitBytes);
      throw new HttpError(400, 'invalid_body', 'The request body could not be read');
    }
    if (text.trim() === '') return next();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpError(400, 'invalid_json', 'The request body is not valid JSON', {
        reason: error instanceof Error ? error.message : String(error),
      });
    }
    // Before anything recurses into it (zod, canonical JSON) or stores it (PostgreSQL refuses NUL).
    requireBoundedInput('body', parsed);
    ctx.request.body = parsed;
    return next();
  };
}

/**
 * Reads and drops a body we refuse, so the client finishes sending and reads our answer (answering mid-upload
 * and closing makes clients see a reset instead of the 413/415). Past 16× the limit the connection is closed.
 */
async function discardBody(ctx: Context, limitBytes: number): Promise<void> {
  ctx.set('Connection', 'close');
  await new Promise<void>((resolve) => {
    let seen = 0;
    ctx.req.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > limitBytes * 16) {
        ctx.req.destroy();
        resolve();
      }
    });
    ctx.req.on('end', () => resolve());
    ctx.req.on('error', () => resolve());
    ctx.req.on('close', () => resolve());
  });
}

const tooLarge = (limitBytes: number) =>
  new HttpError(413, 'payload_too_large', `The request body exceeds ${limitBytes} bytes`, { limit_bytes: limitBytes });

declare module 'koa' {
  interface Request {
    body?: unknown;
  }
}
