/**
 * Opens an event store named by a URL on the command line (migrate-events):
 * - `pglite:<dir>` or a plain directory path: embedded PGlite in a DATA_DIR (its `pglite/` directory), locked
 *   like the server locks it, so a directory a running server holds is refused; a directory that is itself a
 *   PGlite data directory (has PG_VERSION) is accepted too, and its parent is locked;
 * - `postgres://…` / `postgresql://…`: a PostgreSQL server;
 * - `esdb://…` / `esdb+discover://…`: EventStoreDB (any connection string the client accepts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { connectDatabase } from '../database/connect.ts';
import { lockDataDir } from '../database/data-dir-lock.ts';
import { EsdbEventStore } from '../eventstore/esdb/esdb-event-store.ts';
import { openPostgresEventStore } from '../eventstore/open-event-store.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';

export interface OpenedEventStore {
  store: EventStore;
  /** A name for messages, without credentials. */
  label: string;
  /** Number of events in the log when the store can tell cheaply (SQL), else null. */
  count(): Promise<number | null>;
  close(): Promise<void>;
}

export async function openEventStoreUrl(url: string, logger: Logger, purpose: string): Promise<OpenedEventStore> {
  if (/^esdb(\+discover)?:\/\//i.test(url)) {
    const store = new EsdbEventStore(url);
    await store.ping().catch(async (error: unknown) => {
      await store.close();
      throw error;
    });
    return { store, label: redact(url), count: async () => null, close: () => store.close() };
  }
  if (/^postgres(ql)?:\/\//i.test(url)) {
    const database = connectDatabase({ kind: 'postgres', url });
    try {
      const store = await openPostgresEventStore(database, logger);
      return {
        store,
        label: redact(url),
        count: async () => Number((await database.knex('es_events').count({ n: '*' }).first())?.n ?? 0),
        async close() {
          await store.close();
          await database.close();
        },
      };
    } catch (error) {
      await database.close();
      throw error;
    }
  }
  const dir = path.resolve(url.replace(/^pglite:/i, ''));
  const isDataDirItself = fs.existsSync(path.join(dir, 'PG_VERSION'));
  const lock = lockDataDir(isDataDirItself ? path.dirname(dir) : dir, purpose);
  const database = connectDatabase({ kind: 'pglite', dataDir: isDataDirItself ? dir : path.join(dir, 'pglite') });
  try {
    const store = await openPostgresEventStore(database, logger);
    return {
      store,
      label: `pglite:${dir}`,
      count: async () => Number((await database.knex('es_events').count({ n: '*' }).first())?.n ?? 0),
      async close() {
        await store.close();
        await database.close();
        lock.release();
      },
    };
  } catch (error) {
    await database.close();
    lock.release();
    throw error;
  }
}

/** Drops user:password from a URL for messages. */
function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
