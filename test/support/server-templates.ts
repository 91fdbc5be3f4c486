import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { allProjections } from '../../src/projections/all-projections.ts';
import { migrateReadModels } from '../../src/projections/migrations.ts';
import { openStores } from '../../src/stores.ts';
import { createScratchDatabase } from './scratch-postgres.ts';

/**
 * Stores as a fresh server leaves them once it has created its schema: event-store tables, the data-key table and
 * every read-model migration, but no event and no checkpoint. Migrating a fresh database costs a test server most
 * of its start-up (seconds: dozens of migrations, each its own transaction, under WASM for PGlite); a copy of a
 * migrated template costs a file copy. The server still runs its migrations on start — they find nothing to do.
 * Built once per run by global-setup.ts, for `startTestServer` only: tests of migration itself open bare stores.
 */
async function createSchema(env: Record<string, string>): Promise<void> {
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: 'schema-template-secret-0123456789-abcdefghij',
    LOG_LEVEL: 'silent',
    ...env,
  });
  // Exactly what `startServer` opens for this configuration (stores.ts), then its read-model migrations.
  const stores = await openStores(config, createLogger('silent'), 'schema template');
  try {
    await migrateReadModels(stores.readModels.knex, allProjections);
  } finally {
    await stores.close();
  }
}

/**
 * A PGlite data directory copied from the bare template `bareDir` and migrated for a server whose events live in
 * PGlite too ('pglite') or in EventStoreDB ('esdb': read models only). Returns the `pglite` directory to copy.
 */
export async function migratedPgliteTemplate(
  bareDir: string,
  root: string,
  events: 'pglite' | 'esdb',
): Promise<string> {
  const dataDir = path.join(root, `server-${events}`);
  const pgliteDir = path.join(dataDir, 'pglite');
  fs.cpSync(bareDir, pgliteDir, { recursive: true });
  // The EventStoreDB client connects lazily: a URL nobody answers is never called while only the schema is made.
  await createSchema({
    DATA_DIR: dataDir,
    ...(events === 'esdb' && { EVENT_STORE_URL: 'esdb://127.0.0.1:1?tls=false' }),
  });
  return pgliteDir;
}

/** A migrated database on the TEST_DATABASE_URL server, for `create database … template` (no one may connect to it). */
export async function migratedPostgresTemplate(
  adminUrl: string,
  scratchDir: string,
): Promise<{ name: string; drop: () => Promise<void> }> {
  const template = await createScratchDatabase(adminUrl, 'smarthome_template');
  try {
    await createSchema({ EVENT_STORE_URL: template.url, DATABASE_URL: template.url, DATA_DIR: scratchDir });
  } catch (error) {
    await template.drop();
    throw error;
  }
  return { name: new URL(template.url).pathname.slice(1), drop: template.drop };
}
