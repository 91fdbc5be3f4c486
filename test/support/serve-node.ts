import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { freshPostgresDatabase } from './databases.ts';
import { cliArgs } from './cli-process.ts';
import { freePort } from './free-port.ts';

/** A `serve` process of its own (the CLI from its sources), for tests across processes on one Postgres store. */
export interface ServeNode {
  url: string;
  child: ChildProcess;
  output: string[];
}

/** `databaseUrl` null: the node keeps its events and read models in PGlite under its DATA_DIR. */
export async function startServeNode(
  nodeId: string,
  databaseUrl: string | null,
  dataDir: string,
  env: Record<string, string> = {},
  /** More `serve` arguments (`--no-projections`). */
  args: string[] = [],
): Promise<ServeNode> {
  const port = await freePort();
  const child = spawn(process.execPath, cliArgs('serve', ...args), {
    cwd: path.resolve(import.meta.dirname, '../..'),
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: nodeId,
      DATA_DIR: path.join(dataDir, nodeId),
      ...(databaseUrl === null ? {} : { EVENT_STORE_URL: databaseUrl, DATABASE_URL: databaseUrl }),
      JWT_SECRET: 'two-process-test-secret-0123456789-abcdefghij',
      SCRYPT_LOG_N: '4',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await untilReady(
    url,
    () => child.exitCode !== null || child.signalCode !== null,
    () => `${nodeId}: ${output.join('')}`,
  );
  return { url, child, output };
}

export async function stopServeNode(node: ServeNode | undefined): Promise<void> {
  // A node the test killed (SIGKILL) has a signal code and no exit code: it is gone too.
  if (!node || node.child.exitCode !== null || node.child.signalCode !== null) return;
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGTERM');
  await exited;
}

/**
 * Two `serve` processes (`node-a`, `node-b`) on one fresh Postgres database for the enclosing describe block
 * (needs TEST_DATABASE_URL). Read `a` and `b` inside tests, once beforeAll ran.
 */
export function useTwoServeNodes(): { readonly a: ServeNode; readonly b: ServeNode } {
  const nodes = {} as { a: ServeNode; b: ServeNode };
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let dataDir: string | undefined;
  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-two-nodes-'));
    // One after the other: the first creates the schema and read-model tables.
    nodes.a = await startServeNode('node-a', database.url, dataDir);
    nodes.b = await startServeNode('node-b', database.url, dataDir);
  }, 120_000);
  afterAll(async () => {
    await Promise.all([stopServeNode(nodes.a), stopServeNode(nodes.b)]);
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return nodes;
}

/**
 * Waits for a child process's `/readyz` to answer 200 (it has nothing else to await); the child's exit, or a
 * minute, ends the wait with an error that carries `describe()` (the child's output).
 */
export async function untilReady(url: string, gone: () => boolean, describe: () => string): Promise<void> {
  let exited = false;
  await vi
    .waitFor(
      async () => {
        exited = gone();
        if (!exited) expect((await fetch(`${url}/readyz`)).status).toBe(200);
      },
      { timeout: 60_000, interval: 100 },
    )
    .catch((error: unknown) => {
      throw new Error(`not ready within 60 s (${String(error)}): ${describe()}`);
    });
  if (exited) throw new Error(`exited before it was ready: ${describe()}`);
}
