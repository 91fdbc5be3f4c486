/**
 * The service over EventStoreDB while the store is in a transient state (the test double's fault switches): a
 * command answers 503 `event_store_unavailable` with Retry-After instead of a 500, `/readyz` reports the store
 * unavailable, nothing is written twice, and everything recovers when the fault clears — including a node
 * restart (connections refused, then "not ready"). Retry totals are short so the 503s come quickly.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EsdbTestServer } from '../support/esdb-test-server.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

describe('the service while EventStoreDB is unavailable (test double faults)', () => {
  let server: TestServer;
  let double: EsdbTestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startTestServer('esdb', { EVENT_STORE_RETRY_TOTAL_MS: '1500', EVENT_STORE_CALL_TIMEOUT_MS: '1000' });
    double = server.esdb!;
    http = new HttpClient(server.url);
  });
  afterEach(() => double.faults.clear());
  afterAll(async () => {
    await server?.stop();
  });

  const register = (email: string) =>
    http.post('/api/auth/register', { email, password: 'correct horse battery', name: 'Ada' });
  /** Registrations in the double's log (e-mails are sealed there, so they are counted by type). */
  const registrations = () => double.log.all().filter((logged) => logged.type === 'UserRegistered');
  /** Every event of one account's stream. */
  const eventsOfUser = (userId: string) => double.log.all().filter((logged) => logged.streamName === `user-${userId}`);

  it('answers 503 with Retry-After while the node is busy, and the same command succeeds once it is not', async () => {
    const email = `busy-${randomUUID().slice(0, 8)}@example.com`;
    const registeredBefore = registrations().length;
    double.faults.inject('busy');
    const refused = await register(email);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('event_store_unavailable');
    expect(refused.headers.get('retry-after')).toBe('2');
    const ready = await http.get('/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.find((check: { name: string }) => check.name === 'event_store')).toMatchObject({
      ok: false,
    });
    expect(registrations()).toHaveLength(registeredBefore);

    double.faults.clear();
    expect((await register(email)).status).toBe(201);
    await vi.waitFor(async () => expect((await http.get('/readyz')).status).toBe(200), { timeout: 10_000 });
  });

  it('registers once when the write committed although the server answered Timeout', async () => {
    const email = `timeout-${randomUUID().slice(0, 8)}@example.com`;
    double.faults.inject('write_timeout_committed', { times: 1 });
    const registered = await register(email);
    expect(registered.status).toBe(201);
    expect(double.faults.served).toBeGreaterThan(0);
    const written = eventsOfUser((registered.body as { user: { id: string } }).user.id);
    expect(new Set(written.map((logged) => logged.id)).size).toBe(written.length);
    expect(written.filter((logged) => logged.type === 'UserRegistered')).toHaveLength(1);
  });

  it('answers 503 while the node restarts, then serves again once it is ready', async () => {
    await double.goDown();
    const down = await register(`down-${randomUUID().slice(0, 8)}@example.com`);
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe('event_store_unavailable');
    expect((await http.get('/readyz')).status).toBe(503);

    await double.comeUp({ notReadyFor: 2 });
    await vi.waitFor(async () => expect((await http.get('/readyz')).status).toBe(200), { timeout: 10_000 });
    expect((await register(`up-${randomUUID().slice(0, 8)}@example.com`)).status).toBe(201);
  });
});
