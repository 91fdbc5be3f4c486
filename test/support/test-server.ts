import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { startServer, type RunningServer, type ServerOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { pino, type DestinationStream } from 'pino';
import { freshPostgresDatabase } from './databases.ts';
import { EsdbTestServer } from './esdb-test-server.ts';
import type { ServerTargetName } from './server-targets.ts';

export interface TestServer extends RunningServer {
  env: Record<string, string>;
  dataDir: string;
  target: ServerTargetName;
  /** The EventStoreDB test double behind an 'esdb' server (tests can stop or restart it); null otherwise. */
  esdb: EsdbTestServer | null;
  stop(): Promise<void>;
}

/**
 * Starts the real server (API + bridge + projections) on a random port over fresh stores, copied from templates
 * that hold the schema a first start would create (server-templates.ts), so no test pays for the migrations:
 * - 'pglite': events and read models in a PGlite copy of the initialised template;
 * - 'postgres': both in a new database on the TEST_DATABASE_URL server;
 * - 'esdb': events in an EventStoreDB test double of its own (real client, real gRPC), read models in a PGlite copy.
 */
export async function startTestServer(
  target: ServerTargetName = 'pglite',
  overrides: Record<string, string> = {},
  options: ServerOptions = {},
  logging: { destination?: DestinationStream } = {},
  /** 'esdb' only: runs on the new test double before the server starts (e.g. `goDown` for a start-up outage). */
  beforeStart: (double: EsdbTestServer) => Promise<void> = async () => {},
): Promise<TestServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-server-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-for-hs256-0123456789',
    SCRYPT_LOG_N: '4',
    // Generous: CI machines are small and run test files in parallel; a write still answers as soon as it is read.
    READ_YOUR_WRITES_TIMEOUT_MS: '20000',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...overrides,
  };
  let dropDatabase: (() => Promise<void>) | null = null;
  let esdb: EsdbTestServer | null = null;
  if (target === 'postgres') {
    const database = await freshPostgresDatabase(inject('postgresServerTemplate') || undefined);
    env.EVENT_STORE_URL = database.url;
    env.DATABASE_URL = database.url;
    dropDatabase = database.drop;
  } else {
    const template = inject(target === 'pglite' ? 'pgliteServerTemplateDir' : 'pgliteEsdbServerTemplateDir');
    fs.cpSync(template, path.join(dataDir, 'pglite'), { recursive: true });
    if (target === 'esdb') {
      esdb = await EsdbTestServer.start();
      env.EVENT_STORE_URL = esdb.url;
      await beforeStart(esdb);
    }
    if (target === 'esdb-server') {
      const url = process.env.TEST_EVENTSTORE_URL;
      if (!url) throw new Error("The 'esdb-server' target needs TEST_EVENTSTORE_URL (see README: npm run test:esdb)");
      env.EVENT_STORE_URL = url;
    }
  }
  let server: RunningServer;
  try {
    const config = loadConfig(env);
    server = await startServer(
      config,
      createLogger(config.LOG_LEVEL, {}, logging.destination ?? suiteLogFile()),
      options,
    );
  } catch (error) {
    await esdb?.stop();
    await dropDatabase?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    ...server,
    env,
    dataDir,
    target,
    esdb,
    async stop() {
      await server.close();
      await esdb?.stop();
      await dropDatabase?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let suiteLog: DestinationStream | undefined;

/**
 * `TEST_LOG_FILE=/tmp/suite.log TEST_LOG_LEVEL=debug npx vitest run` appends every test server's log lines to one
 * file (synchronously, so nothing is lost when a worker ends), to grep the whole suite's logs.
 */
function suiteLogFile(): DestinationStream | undefined {
  const file = process.env.TEST_LOG_FILE;
  if (!file) return undefined;
  suiteLog ??= pino.destination({ dest: file, append: true, sync: true, mkdir: true });
  return suiteLog;
}
