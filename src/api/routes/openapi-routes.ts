import Router from '@koa/router';
import type { Context } from 'koa';
import { openApiDocument } from '../openapi/document.ts';

export function openApiRoutes(): Router {
  const router = new Router();
  const document = openApiDocument();
  router.get('/api/openapi.json', (ctx: Context) => {
    ctx.body = document;
  });
  return router;
}
