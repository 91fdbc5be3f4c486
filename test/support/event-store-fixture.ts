import { afterAll, beforeAll } from 'vitest';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import type { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { createLogger } from '../../src/logger.ts';
import { openTestDatabase, type TestDatabase } from './databases.ts';

export interface EventStoreFixture {
  readonly db: TestDatabase;
  readonly store: PostgresEventStore;
}

/**
 * A fresh database and the event store over it (as the app opens it: LISTEN on a server) for the enclosing
 * describe block: opened before its tests, closed after them. Read the fields inside tests, once beforeAll ran.
 */
export function useEventStore(kind: 'pglite' | 'postgres'): EventStoreFixture {
  const fixture = {} as { db: TestDatabase; store: PostgresEventStore };
  beforeAll(async () => {
    fixture.db = await openTestDatabase(kind);
    fixture.store = await openPostgresEventStore(fixture.db.database, createLogger('silent'));
  });
  afterAll(async () => {
    await fixture.store?.close();
    await fixture.db?.cleanup();
  });
  return fixture;
}
