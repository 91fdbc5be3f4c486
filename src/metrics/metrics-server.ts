import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsSource } from '../api/routes/metrics-routes.ts';

export interface MetricsServer {
  /** http://host:port of the metrics listener. */
  url: string;
  close(): Promise<void>;
}

function answerJson(response: http.ServerResponse, status: number, code: string, message: string): void {
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(JSON.stringify({ error: { code, message } }));
}

/**
 * `METRICS_PORT`: a small HTTP server that answers `GET /metrics` and nothing else, without a token — it is meant
 * for a port only the scraper reaches (bind it with HOST, firewall it).
 */
export async function startMetricsServer(source: MetricsSource, port: number, host: string): Promise<MetricsServer> {
  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://metrics.invalid').pathname;
    if (path !== '/metrics') return answerJson(response, 404, 'not_found', 'Only /metrics is served here');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return answerJson(response, 405, 'method_not_allowed', 'GET /metrics');
    }
    source.scrape().then(
      (text) => {
        response.writeHead(200, { 'Content-Type': source.contentType, 'Cache-Control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => answerJson(response, 500, 'internal_error', 'The metrics could not be collected'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shownHost}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
