import fs from 'node:fs/promises';
import Router from '@koa/router';
import type { Context } from 'koa';
import { HttpError } from '../http-error.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/** The console's files, beside the compiled code in src/ and dist/ alike (`npm run build` copies them). */
const CONSOLE_DIR = new URL('../../admin-console/', import.meta.url);
const ASSETS: Readonly<Record<string, string>> = {
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/**
 * Nothing but this origin's own script, style and API: no inline code, no CDN, no framing, no forms posting
 * elsewhere. The console builds every element with textContent, so data never becomes markup.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

async function serve(ctx: Context, file: string, type: string): Promise<void> {
  ctx.set('Content-Security-Policy', CONSOLE_CSP);
  ctx.type = type;
  ctx.body = await fs.readFile(new URL(file, CONSOLE_DIR));
}

/** `/admin/` (and `/admin`): the staff console (one page; everything it shows comes from `/api/admin/…`). */
export function adminConsoleRoutes(): Router {
  const router = caseSensitiveRouter();
  router.get('/admin/', (ctx: Context) => serve(ctx, 'index.html', 'text/html; charset=utf-8'));
  router.get('/admin/assets/:file', async (ctx: Context) => {
    const file = ctx.params.file ?? '';
    const type = ASSETS[file];
    if (type === undefined) throw new HttpError(404, 'not_found', 'No such file');
    await serve(ctx, file, type);
  });
  return router;
}
