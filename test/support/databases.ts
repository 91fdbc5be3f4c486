import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createScratchDatabase } from './scratch-postgres.ts';
import { connectDatabase, type Database, type DatabaseTarget } from '../../src/database/connect.ts';

export type TargetName = 'pglite' | 'postgres';

/** PGlite always; a Postgres server too when TEST_DATABASE_URL is set (CI sets it). */
export function databaseTargets(): TargetName[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

/** A new PGlite data directory, copied from the initialised template. */
export function freshPgliteDir(): string {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-test-')), 'pgdata');
  fs.cpSync(inject('pgliteTemplateDir'), dir, { recursive: true });
  return dir;
}

/**
 * A new database on the TEST_DATABASE_URL server, dropped by the returned function: empty, or (`template`) a copy
 * of the database of that name.
 */
export async function freshPostgresDatabase(template?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  return createScratchDatabase(adminUrl, 'smarthome_test', template);
}

export interface TestDatabase {
  database: Database;
  /** Environment for a server process using this database (EVENT_STORE_URL/DATABASE_URL or DATA_DIR). */
  target: DatabaseTarget;
  cleanup(): Promise<void>;
}

export async function openTestDatabase(name: TargetName): Promise<TestDatabase> {
  if (name === 'pglite') {
    const dir = freshPgliteDir();
    const target: DatabaseTarget = { kind: 'pglite', dataDir: dir };
    const database = connectDatabase(target);
    return {
      database,
      target,
      async cleanup() {
        await database.close();
        fs.rmSync(path.dirname(dir), { recursive: true, force: true });
      },
    };
  }
  const fresh = await freshPostgresDatabase();
  const target: DatabaseTarget = { kind: 'postgres', url: fresh.url };
  const database = connectDatabase(target);
  return {
    database,
    target,
    async cleanup() {
      await database.close();
      await fresh.drop();
    },
  };
}
