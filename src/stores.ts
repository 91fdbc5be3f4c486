import path from 'node:path';
import { ConfigError, type Config } from './config.ts';
import { connectDatabase, type Database } from './database/connect.ts';
import { lockDataDir } from './database/data-dir-lock.ts';
import { probeDatabase } from './database/store-unavailable.ts';
import { CrashAfterAppends } from './eventstore/crash-after-appends.ts';
import { EsdbEventStore } from './eventstore/esdb/esdb-event-store.ts';
import { openPostgresEventStore } from './eventstore/open-event-store.ts';
import type { EventStore } from './eventstore/port.ts';
import type { Logger } from './logger.ts';
import { DataKeyStore } from './eventstore/personal-data/data-key-store.ts';
import { OpeningEventStore } from './eventstore/personal-data/opening-event-store.ts';
import { resolveDataKeySecret } from './data-key-secret.ts';
import { EmailClaimStreams } from './domain/accounts/email.ts';

export interface Stores {
  /** The log as readers need it: sealed personal values opened, or "[erased]" (personal-data/opening-event-store.ts). */
  eventStore: EventStore;
  /** The log as stored, ciphertext and all: what `audit export`/`verify` and `migrate-events` read. */
  sealedEventStore: EventStore;
  /** The data keys personal values are sealed under (a table of the read-model database). */
  dataKeys: DataKeyStore;
  /** The names of e-mail claim streams, keyed by DATA_KEY_SECRET (domain/accounts/email.ts). */
  claimStreams: EmailClaimStreams;
  /** Where read models live (Knex). May be the same database as the event store. */
  readModels: Database;
  close(): Promise<void>;
}

/**
 * Opens the event store and the read-model database the configuration names: the log in PGlite (default), a
 * PostgreSQL server (`postgres://`) or EventStoreDB (`esdb://`, `esdb+discover://`); read models in DATABASE_URL,
 * else in PGlite. Embedded PGlite locks DATA_DIR so that a second process cannot silently lose writes.
 */
export async function openStores(config: Config, logger: Logger, purpose: string): Promise<Stores> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const usesPglite = !config.EVENT_STORE_URL || !config.DATABASE_URL;
  try {
    let pglite: Database | null = null;
    if (usesPglite) {
      const lock = lockDataDir(config.DATA_DIR, purpose);
      cleanups.push(() => lock.release());
      const dataDir = path.join(config.DATA_DIR, 'pglite');
      pglite = connectDatabase({ kind: 'pglite', dataDir, thread: config.PGLITE_THREAD });
      cleanups.push(() => pglite!.close());
    }

    let eventDatabase: Database | null = null;
    let eventStore: EventStore;
    if (config.EVENT_STORE_URL !== undefined && isEsdbUrl(config.EVENT_STORE_URL)) {
      // Read models live in DATABASE_URL or in the PGlite of DATA_DIR; EventStoreDB holds only the log.
      eventStore = openEsdbEventStore(config.EVENT_STORE_URL, config);
    } else {
      if (!config.EVENT_STORE_URL) eventDatabase = pglite!;
      else {
        eventDatabase = connectDatabase({
          kind: 'postgres',
          url: config.EVENT_STORE_URL,
          poolMax: config.DATABASE_POOL_MAX,
        });
        const opened = eventDatabase;
        cleanups.push(() => opened.close());
        await probeDatabase(opened, 'EVENT_STORE_URL');
      }
      eventStore = await openPostgresEventStore(eventDatabase, logger);
    }
    const openedStore = eventStore;
    cleanups.push(() => openedStore.close());
    if (config.FAULT_EXIT_AFTER_APPENDS !== undefined) {
      // Tests only (the configuration refuses it elsewhere): see CrashAfterAppends.
      logger.warn(
        { after: config.FAULT_EXIT_AFTER_APPENDS },
        'fault injection: this process will kill itself after that many appends',
      );
      eventStore = new CrashAfterAppends(eventStore, config.FAULT_EXIT_AFTER_APPENDS);
    }

    let readModels: Database;
    if (!config.DATABASE_URL) readModels = pglite!;
    else if (eventDatabase !== null && config.DATABASE_URL === config.EVENT_STORE_URL) readModels = eventDatabase;
    else {
      readModels = connectDatabase({ kind: 'postgres', url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
      const opened = readModels;
      cleanups.push(() => opened.close());
      await probeDatabase(opened, 'DATABASE_URL');
    }

    const dataKeySecret = resolveDataKeySecret(config, logger);
    const dataKeys = new DataKeyStore(readModels.knex, dataKeySecret);
    await dataKeys.ensureTable();
    return {
      eventStore: new OpeningEventStore(eventStore, dataKeys),
      sealedEventStore: eventStore,
      dataKeys,
      claimStreams: EmailClaimStreams.fromSecret(dataKeySecret),
      readModels,
      async close() {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    // The opening error is the one to report; a clean-up of a half-opened store that fails has nothing left to free.
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => {});
    throw error;
  }
}

/** `esdb://…` and `esdb+discover://…` (single node, cluster seeds, DNS discovery; TLS or not). */
export function isEsdbUrl(url: string): boolean {
  return /^esdb(\+discover)?:\/\//i.test(url);
}

/**
 * The client parses the connection string eagerly but connects lazily (on the first call): an unreachable
 * EventStoreDB does not stop start-up; `/readyz` reports it (ping) and the projections retry.
 */
function openEsdbEventStore(url: string, config: Config): EventStore {
  try {
    return new EsdbEventStore(url, {
      retry: { totalMs: config.EVENT_STORE_RETRY_TOTAL_MS, attemptTimeoutMs: config.EVENT_STORE_CALL_TIMEOUT_MS },
      pingTimeoutMs: Math.min(2_000, config.EVENT_STORE_CALL_TIMEOUT_MS),
      subscriptionIdleMs: config.EVENT_STORE_SUBSCRIPTION_IDLE_MS,
    });
  } catch (error) {
    // The message of the client's parser names the faulty part; the URL itself may carry credentials.
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(
      `Invalid configuration: EVENT_STORE_URL is not a valid EventStoreDB connection string (${reason})`,
    );
  }
}
