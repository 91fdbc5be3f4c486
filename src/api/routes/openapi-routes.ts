import Router from '@koa/router';
import type { Context } from 'koa';
import { openApiDocument } from '../openapi/document.ts';
import { DOCS_CSP, renderDocsPage } from '../openapi/docs-page.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/** `/api/openapi.json`: the generated document; `/api/docs`: the same as a readable page (built once). */
export function openApiRoutes(): Router {
  const router = caseSensitiveRouter();
  const document = openApiDocument();
  const page = renderDocsPage(document);
  router.get('/api/openapi.json', (ctx: Context) => {
    ctx.body = document;
  });
  router.get('/api/docs', (ctx: Context) => {
    ctx.set('Content-Security-Policy', DOCS_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  });
  return router;
}
