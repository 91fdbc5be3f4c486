/**
 * Start-up while EventStoreDB is down (the test double's restart switch: `goDown` before the server starts,
 * `comeUp` later): the port listens at once, `/healthz` answers 200, `/readyz` 503 naming the store, every other
 * request (REST or a WebSocket upgrade) 503 with Retry-After; a log line every few seconds says why; once the store
 * answers, start-up goes on and the node becomes ready. A store that stays down past
 * EVENT_STORE_STARTUP_WAIT_MS fails start-up and frees the port.
 */
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import type { EsdbTestServer } from '../support/esdb-test-server.ts';
import { freePort } from '../support/free-port.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Short enough for quick head reads while the store is down, long enough that the reads of the rest of start-up
 * ride out the client's reconnection once it is back (each retries for this long before start-up would fail).
 */
const SHORT_RETRIES = { EVENT_STORE_RETRY_TOTAL_MS: '3000', EVENT_STORE_CALL_TIMEOUT_MS: '1000' };

/** The server's log lines, parsed, so a test can await one. */
function capturedLog() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

/** The answer of an upgrade request: the HTTP status it was refused with, or 101. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/bridge/?gateway_id=${randomUUID()}&secret=x`);
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('error', reject);
  });
}

describe('starting while EventStoreDB is down (test double restart switch)', () => {
  const started: TestServer[] = [];
  afterAll(async () => {
    for (const server of started) await server.stop();
  });

  it(
    'listens, answers not ready with the reason, and finishes starting once the store comes up',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const log = capturedLog();
      let double: EsdbTestServer | null = null;
      const starting = startTestServer(
        'esdb',
        { ...SHORT_RETRIES, PORT: String(port), LOG_LEVEL: 'info' },
        {},
        { destination: log.destination },
        async (created) => {
          double = created;
          await created.goDown();
        },
      );
      await vi.waitFor(async () => expect((await fetch(`${url}/healthz`)).status).toBe(200), { timeout: 60_000 });
      await vi.waitFor(
        async () => {
          const ready = await fetch(`${url}/readyz`);
          expect(ready.status).toBe(503);
          const body = (await ready.json()) as { checks: Array<{ name: string; detail: string }> };
          expect(body.checks[0]).toMatchObject({ name: 'start_up' });
          expect(body.checks[0]!.detail).toMatch(/^event store unavailable: /);
        },
        { timeout: 10_000 },
      );
      const refused = await fetch(`${url}/api/auth/login`, { method: 'POST', body: '{}' });
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('2');
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('starting');
      expect(await upgradeStatus(url)).toBe(503);
      await vi.waitFor(
        () =>
          expect(log.lines.find((line) => line.msg === 'start-up waits for the event store')).toMatchObject({
            reason: expect.stringMatching(/^event store unavailable: /),
          }),
        { timeout: 15_000 },
      );
      await double!.comeUp({ notReadyFor: 2 });
      const server = await starting;
      started.push(server);
      await vi.waitFor(async () => expect((await fetch(`${url}/readyz`)).status).toBe(200), { timeout: 15_000 });
      const registered = await fetch(`${url}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `late-${randomUUID().slice(0, 8)}@example.com`,
          password: 'correct horse battery',
          name: 'Ada',
        }),
      });
      expect(registered.status).toBe(201);
    },
  );

  it('gives up after EVENT_STORE_STARTUP_WAIT_MS, saying so, and frees the port', async () => {
    const port = await freePort();
    const starting = startTestServer(
      'esdb',
      { ...SHORT_RETRIES, PORT: String(port), EVENT_STORE_STARTUP_WAIT_MS: '1000' },
      {},
      {},
      (double) => double.goDown(),
    );
    await expect(starting).rejects.toThrow(/did not answer within EVENT_STORE_STARTUP_WAIT_MS \(1000 ms\)/);
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });
});
