/**
 * The whole service over EventStoreDB's client path: the real server (API, command handler, projections) with
 * EVENT_STORE_URL=esdb://… pointing at the in-process gRPC test double, read models in PGlite. Real HTTP in
 * front, real @eventstore/db-client behind: register → login → refresh → profile, and the events in the double's
 * log prove the writes went through the client over gRPC.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { randomUUID } from 'node:crypto';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { esdbServerTargets } from '../support/server-targets.ts';

describe.each(esdbServerTargets())('end to end over EventStoreDB (%s)', (target) => {
  let server: TestServer;
  let http: HttpClient;

  beforeAll(async () => {
    server = await startTestServer(target);
    http = new HttpClient(server.url);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('register → login → refresh → profile, with every event in EventStoreDB', async () => {
    expect(server.stores.eventStore.kind).toBe('esdb');
    // Unique per run: a real server keeps the accounts of earlier runs.
    const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
    const registered = await http.post('/api/auth/register', { email, password: 'correct horse battery', name: 'Ada' });
    expect(registered.status).toBe(201);
    const userId = registered.body.user.id as string;
    // Read-your-writes: the profile came from the read model, fed by the projection over the ESDB subscription.
    expect(registered.body.user).toMatchObject({ id: userId, email, name: 'Ada' });

    const login = await http.post('/api/auth/login', { email, password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const refreshed = await http.post('/api/auth/refresh', { refresh: login.body.refresh });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh).not.toBe(login.body.refresh);

    const profile = await http.withToken(refreshed.body.access).get('/api/auth/profile');
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ id: userId, email, name: 'Ada' });

    // The writes went over gRPC: read back through the adapter (on a real server there is no other way in).
    const userStream = await server.stores.eventStore.readStream(`user-${userId}`);
    expect(userStream.map((event) => event.type)).toContain('UserRegistered');
    if (server.esdb === null) return; // the rest compares with the double's own log
    // The double's own log holds the user's stream and the e-mail claim.
    const logged = server.esdb.log.all().filter((event) => !event.streamName.startsWith('$'));
    expect(logged.map((event) => event.streamName)).toContain(`user-${userId}`);
    expect(logged.some((event) => event.streamName.startsWith('email-'))).toBe(true);
    expect(logged.map((event) => event.type)).toContain('UserRegistered');
    // And reading them back through the adapter gives the same events.
    const stream = await server.stores.eventStore.readStream(`user-${userId}`);
    expect(stream.map((event) => event.id)).toEqual(
      logged.filter((event) => event.streamName === `user-${userId}`).map((event) => event.id),
    );
  });

  it.skipIf(target === 'esdb-server')(
    'readyz reports the event store down while EventStoreDB is unreachable, and ready again after (needs the double)',
    async () => {
      expect((await http.get('/readyz')).status).toBe(200);
      await server.esdb!.stop();
      const down = await http.get('/readyz');
      expect(down.status).toBe(503);
      expect(down.body.checks.find((check: { name: string }) => check.name === 'event_store')).toMatchObject({
        ok: false,
      });
      await server.esdb!.restart();
      await expect.poll(async () => (await http.get('/readyz')).status, { timeout: 10_000, interval: 200 }).toBe(200);
    },
  );
});
