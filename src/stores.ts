import path from 'node:path';
import type { Config } from './config.ts';
import { connectDatabase, type Database } from './database/connect.ts';
import { lockDataDir } from './database/data-dir-lock.ts';
import { openPostgresEventStore } from './eventstore/open-event-store.ts';
import type { EventStore } from './eventstore/port.ts';
import type { Logger } from './logger.ts';

export interface Stores {
  eventStore: EventStore;
  /** Where read models live (Knex). May be the same database as the event store. */
  readModels: Database;
  close(): Promise<void>;
}

/**
 * Opens the event store and the read-model database the configuration names. Embedded PGlite (the default)
 * locks DATA_DIR so that a second process cannot silently lose writes.
 */
export async function openStores(config: Config, logger: Logger, purpose: string): Promise<Stores> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const usesPglite = !config.EVENT_STORE_URL || !config.DATABASE_URL;
  try {
    let pglite: Database | null = null;
    if (usesPglite) {
      const lock = lockDataDir(config.DATA_DIR, purpose);
      cleanups.push(() => lock.release());
      pglite = connectDatabase({ kind: 'pglite', dataDir: path.join(config.DATA_DIR, 'pglite') });
      cleanups.push(() => pglite!.close());
    }

    let eventDatabase: Database;
    if (!config.EVENT_STORE_URL) eventDatabase = pglite!;
    else if (config.EVENT_STORE_URL.startsWith('esdb')) {
      throw new Error('EVENT_STORE_URL=esdb:// needs the EventStoreDB adapter, which this build does not include yet');
    } else {
      eventDatabase = connectDatabase({ kind: 'postgres', url: config.EVENT_STORE_URL });
      const opened = eventDatabase;
      cleanups.push(() => opened.close());
    }
    const eventStore = await openPostgresEventStore(eventDatabase, logger);
    cleanups.push(() => eventStore.close());

    let readModels: Database;
    if (!config.DATABASE_URL) readModels = pglite!;
    else if (config.DATABASE_URL === config.EVENT_STORE_URL) readModels = eventDatabase;
    else {
      readModels = connectDatabase({ kind: 'postgres', url: config.DATABASE_URL });
      const opened = readModels;
      cleanups.push(() => opened.close());
    }

    return {
      eventStore,
      readModels,
      async close() {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    throw error;
  }
}
