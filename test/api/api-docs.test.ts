import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '../../src/api/openapi/document.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('the API documentation served by the app', () => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startTestServer('pglite');
    http = new HttpClient(server.url);
  });
  afterAll(async () => server?.stop());

  it('serves the generated document at /api/openapi.json', async () => {
    const answer = await http.get('/api/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
  });

  it('serves a readable page at /api/docs with every operation, no script, under a CSP that allows only its style', async () => {
    const page = await http.get<string>('/api/docs/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = page.body;
    expect(html).not.toMatch(/<script|https?:\/\/(?!json-schema)/i);
    const document = openApiDocument();
    for (const [path, methods] of Object.entries(document.paths)) {
      for (const operation of Object.values(methods)) {
        expect(html).toContain(`id="op-${String(operation.operationId)}"`);
        expect(html).toContain(`<code>${path}</code>`);
      }
    }
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; /);
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
    const hash = createHash('sha256').update(style).digest('base64');
    expect(csp).toContain(`style-src 'sha256-${hash}'`);
    expect(html.match(/<style>/g)).toHaveLength(1);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('keeps the JSON API free of a page policy', async () => {
    const answer = await http.get('/healthz');
    expect(answer.headers.get('content-security-policy')).toBeNull();
  });
});
