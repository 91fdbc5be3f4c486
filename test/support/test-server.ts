import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { freshPostgresDatabase, type TargetName } from './databases.ts';

export interface TestServer extends RunningServer {
  env: Record<string, string>;
  dataDir: string;
  stop(): Promise<void>;
}

/**
 * Starts the real server (API + bridge + projections) on a random port over a fresh database: a PGlite copy of
 * the initialised template, or a new database on the TEST_DATABASE_URL server.
 */
export async function startTestServer(
  target: TargetName = 'pglite',
  overrides: Record<string, string> = {},
  options: ServerOptions = {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-server-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    SCRYPT_LOG_N: '4',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
  let dropDatabase: (() => Promise<void>) | null = null;
  if (target === 'postgres') {
    const database = await freshPostgresDatabase();
    env.EVENT_STORE_URL = database.url;
    env.DATABASE_URL = database.url;
    dropDatabase = database.drop;
  } else {
    fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'pglite'), { recursive: true });
  }
  const config = loadConfig(env);
  const server = await startServer(config, createLogger(config.LOG_LEVEL), options);
  return {
    ...server,
    env,
    dataDir,
    async stop() {
      await server.close();
      await dropDatabase?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
