/**
 * Projection work per node: three `serve` nodes (in this process, each with its own connections) on one fresh
 * Postgres database. A simulated gateway connects to node A; 100 remote commands (`wait: true`, acked by the
 * gateway) are sent one after the other through node B's REST API; node C takes no call. Per node, counted on its
 * Knex from the first command until 3 s after the last: every SQL statement, and projection batches (each runner
 * batch is one transaction that starts with `pg_advisory_xact_lock`). Statements on the dedicated lock and LISTEN
 * connections are not on Knex (a standing-by node tries each projection's lease every 2 s: 7 statements per 2 s).
 * Counts do not depend on the machine's load; times do. Needs BENCH_DATABASE_URL or TEST_DATABASE_URL.
 *
 *   npm run bench:appliers
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { startServer, type RunningServer } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createSimulatedGateway } from '../src/edge/index.ts';
import { createLogger } from '../src/logger.ts';
import { createScratchDatabase } from '../test/support/scratch-postgres.ts';
import { benchDatabaseUrl, postJson } from './support/bench-server.ts';

const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 100);
const SETTLE_MS = 3000;

interface CountedNode {
  name: string;
  server: RunningServer;
  statements: number;
  batches: number;
}

async function startNode(name: string, env: Record<string, string>): Promise<CountedNode> {
  const config = loadConfig({ ...env, NODE_ID: name, DATA_DIR: path.join(env.DATA_DIR!, name) });
  const server = await startServer(config, createLogger(config.LOG_LEVEL));
  const node: CountedNode = { name, server, statements: 0, batches: 0 };
  server.stores.readModels.knex.on('query', (query: { sql: string }) => {
    node.statements += 1;
    if (query.sql.includes('pg_advisory_xact_lock')) node.batches += 1;
  });
  return node;
}

const databaseUrl = benchDatabaseUrl();
if (!databaseUrl) throw new Error('bench:appliers needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
const scratch = await createScratchDatabase(databaseUrl, 'smarthome_bench');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-appliers-'));
const env: Record<string, string> = {
  PORT: '0',
  HOST: '127.0.0.1',
  DATA_DIR: dataDir,
  EVENT_STORE_URL: scratch.url,
  DATABASE_URL: scratch.url,
  JWT_SECRET: randomBytes(32).toString('hex'),
  SCRYPT_LOG_N: '4',
  LOG_LEVEL: 'warn',
};
const nodes: CountedNode[] = [];
try {
  // One after the other: the first creates the schema (and, with leases, takes every projection's).
  for (const name of ['node-a', 'node-b', 'node-c']) nodes.push(await startNode(name, env));
  const [a, b] = nodes as [CountedNode, CountedNode, CountedNode];
  const registered = await postJson(`${b.server.url}/api/auth/register`, {
    email: 'b@example.com',
    password: 'x'.repeat(12),
  });
  const token = registered.body.access as string;
  const provisioned = await postJson(`${b.server.url}/api/gateways/provision`, { name: 'Bench' }, token);
  const gatewayId = provisioned.body.id as string;
  const edge = createSimulatedGateway(
    { url: a.server.url.replace(/^http/, 'ws'), gatewayId, secret: provisioned.body.secret },
    { deviceCount: 3 },
  );
  const connected = firstValueFrom(edge.client.eventsOfType('connected'));
  edge.start();
  await connected;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  for (const node of nodes) Object.assign(node, { statements: 0, batches: 0 });
  const started = performance.now();
  for (let i = 0; i < COMMANDS; i++) {
    const answer = await postJson(
      `${b.server.url}/api/gateways/${gatewayId}/commands/`,
      { device_id: 'light-1', action: 'turn_on' },
      token,
    );
    if (answer.status !== 200) throw new Error(`command: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  console.log(
    `${COMMANDS} commands in ${seconds.toFixed(1)} s (+${SETTLE_MS / 1000} s to settle), load ${os.loadavg()[0]!.toFixed(1)}`,
  );
  const role = { 'node-a': 'gateway socket', 'node-b': 'REST calls', 'node-c': 'idle' } as Record<string, string>;
  for (const node of nodes)
    console.log(
      `  ${node.name} (${role[node.name]}): ${node.statements} statements, ${node.batches} projection batches`,
    );
  await edge.close();
} finally {
  for (const node of nodes.reverse()) await node.server.close();
  await scratch.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
process.exit(0);
