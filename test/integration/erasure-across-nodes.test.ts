import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { dataKeyIdOf } from '../../src/domain/privacy/erasure-events.ts';
import { createLogger } from '../../src/logger.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { provisionGateway, READ_MODEL_LAG, registerUser } from '../support/fixtures.ts';

/**
 * Two nodes on one PostgreSQL database: a home deleted through node A shreds its gateway's data key, and node B — which
 * opened its gateway's sealed name a moment before and so holds the key in its cache — stops using it as soon as
 * the erasure is in the log, not when its cache entry expires (30 s).
 */
describe.runIf(process.env.TEST_DATABASE_URL)('an erasure on one node, across nodes', () => {
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let dataDir: string | undefined;
  const nodes: RunningServer[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-erasure-nodes-'));
    for (const nodeId of ['node-a', 'node-b']) {
      const config = loadConfig({
        PORT: '0',
        HOST: '127.0.0.1',
        NODE_ID: nodeId,
        DATA_DIR: path.join(dataDir, nodeId),
        EVENT_STORE_URL: database.url,
        DATABASE_URL: database.url,
        JWT_SECRET: 'erasure-across-nodes-secret-0123456789abcdef',
        DATA_KEY_SECRET: 'erasure-across-nodes-data-key-0123456789abcdef',
        SCRYPT_LOG_N: '4',
        LOG_LEVEL: 'silent',
      });
      nodes.push(await startServer(config, createLogger(config.LOG_LEVEL)));
    }
  });
  afterAll(async () => {
    for (const node of nodes.reverse()) await node.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("node B stops using a deleted home's gateway key as soon as node A's deletion is in the log", async () => {
    const [nodeA, nodeB] = nodes as [RunningServer, RunningServer];
    const owner = await registerUser(nodeA, 'erasure-owner');
    const { homeId, gatewayId } = await provisionGateway(owner, { name: 'Erased Hall' });
    // The gateway's name is sealed under its key; deleting its home destroys that key.
    const keyId = dataKeyIdOf('gateway', gatewayId);
    const held = () => nodeB.stores.dataKeys.heldKeysOf?.(new Set([keyId]))?.get(keyId);
    // Node B opens the gateway's name (any read of its events would): the key is in its cache.
    expect(await nodeB.stores.dataKeys.keysOf(new Set([keyId]))).toEqual(new Map([[keyId, expect.any(Buffer)]]));
    expect(held()).toEqual(expect.any(Buffer));

    expect((await owner.http.delete(`/api/homes/${homeId}`)).status).toBe(204);
    await vi.waitFor(() => expect(held()).toBeNull(), READ_MODEL_LAG);
    expect(await nodeB.stores.dataKeys.keysOf(new Set([keyId]))).toEqual(new Map([[keyId, null]]));
  });
});
