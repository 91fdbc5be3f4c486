import type { Database } from '../database/connect.ts';
import type { Logger } from '../logger.ts';
import { NotificationListener } from './postgres/notification-listener.ts';
import { PostgresEventStore } from './postgres/postgres-event-store.ts';

/** Opens the event store over a database (PGlite or a Postgres server). EventStoreDB URLs: see open-stores.ts. */
export async function openPostgresEventStore(database: Database, logger: Logger): Promise<PostgresEventStore> {
  if (database.target.kind === 'pglite') return PostgresEventStore.open({ knex: database.knex, kind: 'pglite' });
  const listener = new NotificationListener(database.target.url, (error) =>
    logger.warn({ err: error }, 'event store LISTEN connection failed; falling back to polling until it is back'),
  );
  await listener.start();
  return PostgresEventStore.open({ knex: database.knex, kind: 'postgres', listener, pollIntervalMs: 500 });
}
