/**
 * `npm run bench:shutdown [-- pglite postgres]`: how long a `serve` process takes from SIGTERM to its exit with
 * BENCH_SESSIONS (1,000) gateway sessions open — each must get its `BridgeSessionClosed(server_shutdown)` event
 * before the process exits. The server is a child process (the CLI from its sources, as in production), the
 * gateways plain `ws` clients in another (bench/support/bridge-clients.ts). After each run the log is read back:
 * the run counts only if every session has its close event and the exit code is 0.
 *
 * Prints per store the median (min–max) of BENCH_RUNS (3) runs, and the load average around them.
 * Knobs: BENCH_SESSIONS, BENCH_RUNS, BENCH_LOG_LEVEL (the server's); the Postgres server from BENCH_DATABASE_URL or TEST_DATABASE_URL.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/logger.ts';
import { openStores } from '../src/stores.ts';
import { cliArgs } from '../test/support/cli-process.ts';
import { freePort } from '../test/support/free-port.ts';
import { untilReadyOrExit } from './support/serve-child.ts';
import { benchStore, benchTargets, median, type BenchTarget } from './support/bench-server.ts';
import type { BenchGateway, ClientCommand, ClientReply } from './support/bridge-clients.ts';
import { provisionGateways } from './support/provision-gateways.ts';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = path.resolve(import.meta.dirname, '..');

interface RunResult {
  shutdownMs: number;
  exitCode: number | null;
  closes: number;
}

function ask(child: ChildProcess, command: ClientCommand): Promise<ClientReply> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: ClientReply) =>
      reply.cmd === 'failed' ? reject(new Error(reply.message)) : resolve(reply),
    );
    child.send(command);
  });
}

/** A fresh store (PGlite directory, or a scratch database) with `SESSIONS` gateways provisioned in it. */
async function preparedStore(env: Record<string, string>): Promise<BenchGateway[]> {
  const stores = await openStores(loadConfig(env), createLogger('warn'), 'bench');
  try {
    return await provisionGateways(stores.eventStore, env.GATEWAY_SECRET_KEY!, SESSIONS);
  } finally {
    await stores.close();
  }
}

/** `server_shutdown` closes in the log, read back with the stores the server left behind. */
async function countShutdownCloses(env: Record<string, string>): Promise<number> {
  const stores = await openStores(loadConfig(env), createLogger('warn'), 'bench');
  try {
    let closes = 0;
    let after: string | null = null;
    for (;;) {
      const page = await stores.eventStore.readAll({
        after,
        maxCount: 1000,
        filter: { eventTypes: ['BridgeSessionClosed'] },
      });
      for (const event of page) if (event.data.reason === 'server_shutdown') closes += 1;
      if (page.length < 1000) return closes;
      after = page.at(-1)!.position;
    }
  } finally {
    await stores.close();
  }
}

async function oneRun(target: BenchTarget): Promise<RunResult> {
  const port = await freePort();
  const store = await benchStore(target, {
    NODE_ENV: 'production',
    PORT: String(port),
    GATEWAY_SECRET_KEY: randomBytes(32).toString('hex'),
    // Required in production since personal data is sealed: without it the bench failed at its first config load.
    DATA_KEY_SECRET: randomBytes(32).toString('hex'),
    NODE_ID: 'bench-shutdown',
    // The bench's clients never ping: on a loaded machine connecting 1,000 can outlast the default 90 s, and
    // sessions closed by heartbeat_timeout would not be there for SIGTERM to close.
    HEARTBEAT_TIMEOUT_S: '3600',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
  });
  const env = store.env;
  const clients = fork(path.join(import.meta.dirname, 'support', 'bridge-clients.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let server: ChildProcess | null = null;
  try {
    const gateways = await preparedStore(env);
    server = spawn(process.execPath, cliArgs('serve'), {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: 'inherit',
    });
    const exited = new Promise<number | null>((resolve) => server!.once('exit', (code) => resolve(code)));
    await untilReadyOrExit(`http://127.0.0.1:${port}`, server);
    const connected = await ask(clients, { cmd: 'connect', url: `ws://127.0.0.1:${port}`, gateways, concurrency: 100 });
    if (connected.cmd === 'connect')
      console.log(
        `  ${connected.connected} sessions open in ${connected.ms.toFixed(0)} ms (${connected.retries} retries)`,
      );
    const started = performance.now();
    server.kill('SIGTERM');
    const exitCode = await exited;
    const shutdownMs = performance.now() - started;
    return { shutdownMs, exitCode, closes: await countShutdownCloses(env) };
  } finally {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    clients.disconnect();
    await store.remove();
  }
}

const loadAverage = () =>
  os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' ');

async function main(): Promise<void> {
  const asked = process.argv.slice(2).filter((arg): arg is BenchTarget => arg === 'pglite' || arg === 'postgres');
  const targets = asked.length > 0 ? asked : benchTargets();
  console.log(`shutdown with ${SESSIONS} sessions, ${RUNS} runs per store; load average before: ${loadAverage()}`);
  for (const target of targets) {
    const times: number[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const result = await oneRun(target);
      const complete = result.exitCode === 0 && result.closes === SESSIONS;
      console.log(
        `${target} run ${run}: ${result.shutdownMs.toFixed(0)} ms, exit ${result.exitCode}, ` +
          `server_shutdown closes ${result.closes}/${SESSIONS}${complete ? '' : '  <-- INCOMPLETE'}; load ${loadAverage()}`,
      );
      if (complete) times.push(result.shutdownMs);
    }
    if (times.length > 0)
      console.log(
        `${target}: median ${median(times).toFixed(0)} ms (${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)}) over ${times.length} complete runs`,
      );
  }
  console.log(`load average after: ${loadAverage()}`);
}

await main();
