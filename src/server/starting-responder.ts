/**
 * What the HTTP port answers while the server is still starting (waiting for the event store, migrating, starting
 * projections): the process is alive (`/healthz` 200), not ready (`/readyz` 503 naming what it waits for), and
 * every other request — REST or a WebSocket upgrade — is refused with 503 and `Retry-After`, the same answer a
 * running node gives while the store is unavailable. Proxies route on `/readyz` (deploy/Caddyfile), so no client
 * traffic is expected here; orchestrators see a live process instead of a crash loop.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { EVENT_STORE_RETRY_AFTER_S } from '../commands/event-store-unavailable.ts';

export function startingResponder(reason: () => string): http.RequestListener {
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://starting.invalid').pathname;
    if (request.method === 'GET' && path === '/healthz') return sendJson(response, 200, { status: 'ok' });
    if (request.method === 'GET' && path === '/readyz') {
      return sendJson(response, 503, {
        status: 'not_ready',
        checks: [{ name: 'start_up', ok: false, detail: reason() }],
      });
    }
    response.setHeader('Retry-After', String(EVENT_STORE_RETRY_AFTER_S));
    sendJson(response, 503, {
      error: { code: 'starting', message: `The server is starting (${reason()}); retry shortly` },
    });
  };
}

/** An upgrade before the WebSocket servers are attached: refused like a running node refuses one it cannot serve. */
export function refuseUpgradeWhileStarting(_request: http.IncomingMessage, socket: Duplex): void {
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${EVENT_STORE_RETRY_AFTER_S}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
  );
}

function sendJson(response: http.ServerResponse, status: number, body: unknown): void {
  response.statusCode = status;
  response.setHeader('Content-Type', 'application/json; charset=utf-8');
  response.setHeader('Cache-Control', 'no-store');
  response.end(JSON.stringify(body));
}
