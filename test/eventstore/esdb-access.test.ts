/**
 * A secure EventStoreDB lets only `$admins` (and `$ops`) read `$all`. With a user that lacks the rights, the
 * adapter fails at once with EventStoreAccessDeniedError naming the fix — no retrying for the whole retry total,
 * no 503 that suggests waiting — while stream reads and appends keep working (the double's `allRequiresAdmin`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstValueFrom } from 'rxjs';
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { EventStoreAccessDeniedError } from '../../src/eventstore/errors.ts';
import { EsdbTestServer } from '../support/esdb-test-server.ts';

describe('EsdbEventStore on a server where $all needs an admin', () => {
  let server: EsdbTestServer;
  let store: EsdbEventStore;
  beforeAll(async () => {
    server = await EsdbTestServer.start({ allRequiresAdmin: true });
    // A retry total far beyond the test's timeout: the denial must not be retried.
    store = new EsdbEventStore(server.url, { retry: { totalMs: 60_000 }, pingTimeoutMs: 1_000 });
  });
  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('fails $all reads, the head, subscriptions and ping with EventStoreAccessDeniedError at once', async () => {
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreAccessDeniedError);
    await expect(store.headPosition()).rejects.toThrow(/\$admins/);
    await expect(firstValueFrom(store.subscribeToAll())).rejects.toBeInstanceOf(EventStoreAccessDeniedError);
    await expect(store.ping()).rejects.toBeInstanceOf(EventStoreAccessDeniedError);
  });

  it('still reads and writes streams', async () => {
    const stream = `own-${randomUUID()}`;
    const event = { id: randomUUID(), type: 'A', data: {}, metadata: {} };
    const result = await store.appendToStream(stream, [event], { expectedRevision: 'no_stream' });
    expect(result.nextExpectedRevision).toBe(0);
    expect((await store.readStream(stream)).map((e) => e.id)).toEqual([event.id]);
  });
});
