import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/** Every line the server writes, kept in memory. */
class LogBuffer extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

const PASSWORD = 'correct horse battery staple';
const FORBIDDEN_MARKERS = ['hmac-sha256:', 'c2NyeXB0', 'eyJ'];

/**
 * A trigger that makes the appends of events carrying a hash or digest fail inside the database, so the driver's
 * error carries the statement and its parameters: those events.
 */
async function failHashCarryingAppends(server: TestServer, on: boolean): Promise<void> {
  const knex = server.stores.readModels.knex;
  if (on) {
    await knex.raw(`create or replace function test_refuse_append() returns trigger language plpgsql as $$
      begin
        if new.type in ('UserRegistered', 'GatewayProvisioned', 'GatewaySecretRotated') then
          raise exception 'append refused by the test';
        end if;
        return new;
      end $$`);
    await knex.raw(
      'create trigger test_refuse_append before insert on es_events for each row execute function test_refuse_append()',
    );
  } else {
    await knex.raw('drop trigger test_refuse_append on es_events');
  }
}

// The event-store trigger needs the events in PostgreSQL or PGlite.
describe.each(serverTargets().filter((target) => target !== 'esdb'))('log hygiene on %s', (target) => {
  const log = new LogBuffer();
  let server: TestServer;
  let stopped = false;
  const secrets: string[] = [PASSWORD];

  beforeAll(async () => {
    server = await startTestServer(target, { LOG_LEVEL: 'trace' }, {}, { destination: log });
  });
  afterAll(async () => {
    if (!stopped) await server?.stop();
  });

  it('a failed append does not log its parameters (password hash, secret digest), nor tokens or secrets', async () => {
    const anonymous = new HttpClient(server.url);
    const email = `hygiene-${Date.now()}@example.com`;
    const registered = await anonymous.post('/api/auth/register', { email, password: PASSWORD, name: 'Hygiene' });
    expect(registered.status).toBe(201);
    secrets.push(registered.body.access, registered.body.refresh);
    const loggedIn = await anonymous.post('/api/auth/login', { email, password: PASSWORD });
    expect(loggedIn.status).toBe(200);
    expect((await anonymous.post('/api/auth/login', { email, password: 'wrong password!' })).status).toBe(401);
    const user = anonymous.withToken(loggedIn.body.access);
    const provisioned = await user.post('/api/gateways/provision', { name: 'Hall' });
    expect(provisioned.status).toBe(201);
    secrets.push(provisioned.body.secret);
    const rotated = await user.post(`/api/gateways/${provisioned.body.id}/rotate-secret`);
    secrets.push(rotated.body.secret);
    const pairing = await user.post('/api/gateways/request-pairing', {});
    expect(pairing.status).toBe(201);
    secrets.push(pairing.body.code);

    await failHashCarryingAppends(server, true);
    try {
      const failedRegistration = await anonymous.post('/api/auth/register', {
        email: `again-${email}`,
        password: PASSWORD,
      });
      expect(failedRegistration.status).toBe(500);
      const failedRotation = await user.post(`/api/gateways/${provisioned.body.id}/rotate-secret`);
      expect(failedRotation.status).toBe(500);
    } finally {
      await failHashCarryingAppends(server, false);
    }
    // Stopped before the grep: shutdown logs too.
    stopped = true;
    await server.stop();

    // The failures were logged (so the grep below looks at real error lines)…
    expect(log.text).toContain('unhandled error');
    expect(log.text).toContain('append refused by the test');
    // …and no line carries a digest, a scrypt hash, a JWT or any secret this run handed out.
    for (const marker of [...FORBIDDEN_MARKERS, ...secrets]) {
      expect(log.text.includes(marker), `the log contains ${marker.slice(0, 12)}…`).toBe(false);
    }
  });
});
