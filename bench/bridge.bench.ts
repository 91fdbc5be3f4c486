/**
 * Gateway bridge capacity (issue 5), against the real server (`startServer`) in this process:
 *  - idle: heap per idle session — heap used after GC (`--expose-gc`) before and after BENCH_SESSIONS gateways
 *    connect, divided by their number (aim: 10,000 sessions, < 40 KiB each);
 *  - storm: BENCH_STORM_GATEWAYS connected gateways lose their sockets at once (terminated, no close handshake)
 *    and all reconnect at once; time until every one has its `welcome` again (aim: 2,000 within 2 s);
 *  - state: BENCH_STATE_GATEWAYS gateways each keep BENCH_STATE_WINDOW state frames unacked for
 *    BENCH_STATE_SECONDS; durable acks per second (aim: ≥ 5,000/s on the Postgres server).
 * The gateways are plain `ws` clients in a child process (bench/support/bridge-clients.ts), so their memory is not
 * in the measured heap. Each run starts a fresh server over a fresh store: PGlite in a temporary DATA_DIR, and
 * (with BENCH_DATABASE_URL or TEST_DATABASE_URL) a database created on the Postgres server and dropped afterwards.
 *
 * Set-up is cheap on purpose: gateways are provisioned by appending `GatewayProvisioned` through ChainedAppends
 * (bench/support/provision-gateways.ts) — no users, homes or scrypt, since the handshake reads only the gateway's
 * stream. Open files: every session is one descriptor in each process; Node raises its soft RLIMIT_NOFILE to the
 * hard limit at start-up, so the bench checks `ulimit -Hn` and stops with a hint when it is too low (raise it with
 * `ulimit -Hn` as root, or `LimitNOFILE=` / `--ulimit nofile=`). 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:bridge [-- pglite postgres]
 *   knobs: BENCH_SESSIONS (2000; PGlite 500), BENCH_STORM_GATEWAYS (2000; PGlite 500), BENCH_STATE_GATEWAYS (200),
 *          BENCH_STATE_WINDOW (16),
 *          BENCH_STATE_SECONDS (10), BENCH_RUNS (3), BENCH_SCENARIOS (idle,storm,state), BENCH_CONNECT_CONCURRENCY (200),
 *          BENCH_QUERY_STATS=1 (statements per scenario, by shape),
 *          BENCH_STORM_PROFILE=<prefix> (a CPU profile of this process — the server — during each storm, written to
 *          <prefix>-<store>-<time>.cpuprofile), BENCH_STATE_PROFILE=<prefix> (the same during each state run),
 *          BENCH_STORM_PERF=<prefix> (Linux `perf record` of this process during each storm, <prefix>-<store>-<time>.data;
 *          BENCH_STORM_PERF_ALL=1: of the whole machine, PostgreSQL included; run under `node --perf-basic-prof`)
 * The storm line gives CPU per reconnect of the server process (this one), of the gateways' process, and on
 * `postgres` of the PostgreSQL backends serving the bench database (read from /proc: a server on this machine).
 */
import { execSync, fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { ClientCommand, ClientReply } from './support/bridge-clients.ts';
import { quickBench, recordRow } from './support/bench-report.ts';
import { benchTargets, fmt, median, startBenchServer, type BenchTarget } from './support/bench-server.ts';
import { backendCpuMicros, databaseOf } from './support/backend-cpu.ts';
import { perfRecorded, profiled } from './support/cpu-profile.ts';
import { provisionGateways } from './support/provision-gateways.ts';

/** PGlite (single-threaded, in this process) connects ~20 gateways/s here: smaller defaults keep a run in minutes. */
const defaultSize = (target: BenchTarget) => (quickBench ? 300 : target === 'pglite' ? 500 : 2000);
const sizesFor = (target: BenchTarget) => ({
  sessions: Number(process.env.BENCH_SESSIONS ?? defaultSize(target)),
  storm: Number(process.env.BENCH_STORM_GATEWAYS ?? defaultSize(target)),
});
const STATE_GATEWAYS = Number(process.env.BENCH_STATE_GATEWAYS ?? (quickBench ? 50 : 200));
const STATE_WINDOW = Number(process.env.BENCH_STATE_WINDOW ?? 16);
const STATE_SECONDS = Number(process.env.BENCH_STATE_SECONDS ?? (quickBench ? 3 : 10));
const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 1 : 3));
const CONNECT_CONCURRENCY = Number(process.env.BENCH_CONNECT_CONCURRENCY ?? 200);
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'idle,storm,state').split(','));
const STORM_PROFILE = process.env.BENCH_STORM_PROFILE;
const STATE_PROFILE = process.env.BENCH_STATE_PROFILE;
const STORM_PERF = process.env.BENCH_STORM_PERF;
const STORM_PERF_ALL = process.env.BENCH_STORM_PERF_ALL === '1';
/** Prints the statements each scenario sent to the read-model database (the event store's too when it is the same). */
const QUERY_STATS = process.env.BENCH_QUERY_STATS === '1';

const gc = globalThis.gc;
if (!gc) throw new Error('run with node --expose-gc (npm run bench:bridge does)');

const needed = Math.max(sizesFor('postgres').sessions, sizesFor('postgres').storm, STATE_GATEWAYS) + 500;
const hardLimit = execSync('ulimit -Hn', { shell: '/bin/sh' }).toString().trim();
if (hardLimit !== 'unlimited' && Number(hardLimit) < needed) {
  throw new Error(
    `open-file hard limit ${hardLimit} < ${needed} needed; raise it (ulimit -Hn as root) or lower BENCH_SESSIONS`,
  );
}

/** Microseconds of CPU (user + system) this process spent since `since`: unlike a rate, it barely moves with load. */
const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

const load = () =>
  os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' ');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Heap used after full collections (several: finalisers and weak maps free more on the next pass). */
async function settledHeap(): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

/** One request to the client process, answered by one message. */
function ask(child: ChildProcess, command: ClientCommand): Promise<ClientReply> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: ClientReply) =>
      reply.cmd === 'failed' ? reject(new Error(reply.message)) : resolve(reply),
    );
    child.send(command);
  });
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

interface RunResult {
  kibPerSession?: number;
  /** Resident set growth per session (this process: server and store; the clients are in another). */
  rssKibPerSession?: number;
  connectMs?: number;
  stormMs?: number;
  stormRetries?: number;
  statesPerSecond?: number;
  /** CPU time (user + system) of this process — the server, and PGlite on pglite — per reconnect and per acked frame. */
  stormCpuUsPerGateway?: number;
  /** CPU time of the gateways' process, and of the PostgreSQL backends serving the bench database, per reconnect. */
  stormClientCpuUsPerGateway?: number;
  stormBackendCpuUsPerGateway?: number;
  stateCpuUsPerFrame?: number;
  loads: string[];
}

async function runOnce(target: BenchTarget): Promise<RunResult> {
  const { sessions: SESSIONS, storm: STORM } = sizesFor(target);
  const key = randomBytes(32).toString('hex');
  const server = await startBenchServer(target, {
    GATEWAY_SECRET_KEY: key,
    // Idle sessions send nothing during the measurement; the heartbeat must not close them meanwhile.
    HEARTBEAT_TIMEOUT_S: '3600',
    BRIDGE_RATE_LIMIT_PER_S: '100000',
  });
  const child = fork(path.join(import.meta.dirname, 'support', 'bridge-clients.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const result: RunResult = { loads: [] };
  const bridge = server.bridge;
  const statements = new Map<string, number>();
  if (QUERY_STATS) {
    server.stores.readModels.knex.on('query', (query: { sql: string }) => {
      const shape = query.sql.replace(/\s+/g, ' ').slice(0, 90);
      statements.set(shape, (statements.get(shape) ?? 0) + 1);
    });
  }
  const printStatements = (scenario: string, per: number) => {
    if (!QUERY_STATS) return;
    const top = [...statements].sort((a, b) => b[1] - a[1]).slice(0, 15);
    console.log(
      `  [${target}] ${scenario}: statements per gateway\n${top.map(([sql, n]) => `    ${(n / per).toFixed(2)}  ${sql}`).join('\n')}`,
    );
    statements.clear();
  };
  const wsUrl = server.url.replace(/^http/, 'ws');
  try {
    const total = Math.max(SESSIONS, STORM, STATE_GATEWAYS);
    const t0 = performance.now();
    const gateways = await provisionGateways(server.stores.eventStore, key, total);
    const head = await server.stores.eventStore.headPosition();
    await server.projections.waitFor(head, ['GatewayProvisioned'], 600_000);
    console.log(`  [${target}] provisioned ${total} gateways in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    let connected = 0;
    if (SCENARIOS.has('idle')) {
      const before = await settledHeap();
      const rssBefore = process.memoryUsage().rss;
      const reply = await ask(child, {
        cmd: 'connect',
        url: wsUrl,
        gateways: gateways.slice(0, SESSIONS),
        concurrency: CONNECT_CONCURRENCY,
      });
      connected = SESSIONS;
      await until(() => bridge.sessionCount === SESSIONS, 60_000, 'every idle session on the server');
      // Let the session events reach the read models, so no write is in flight when the heap is measured.
      // 100,000 sessions are 100,000 `BridgeSessionOpened` to project: the wait grows with them.
      await server.projections.waitFor(
        await server.stores.eventStore.headPosition(),
        ['BridgeSessionOpened'],
        Math.max(120_000, SESSIONS * 10),
      );
      await sleep(1000);
      const after = await settledHeap();
      result.kibPerSession = (after - before) / SESSIONS / 1024;
      result.rssKibPerSession = (process.memoryUsage().rss - rssBefore) / SESSIONS / 1024;
      result.connectMs = reply.cmd === 'connect' ? reply.ms : 0;
      result.loads.push(`idle ${load()}`);
      console.log(
        `  [${target}] idle: ${SESSIONS} sessions, heap ${(before / 2 ** 20).toFixed(1)} → ${(after / 2 ** 20).toFixed(1)} MiB = ` +
          `${result.kibPerSession.toFixed(1)} KiB/session (RSS ${result.rssKibPerSession.toFixed(1)} KiB/session); connected in ${(result.connectMs / 1000).toFixed(1)} s (load ${load()})`,
      );
    }

    // The idle row alone (BENCH_SCENARIOS=idle): no need to close the sessions one by one and wait for the closes
    // to be projected (minutes at 100,000); the child's exit drops them all.
    if (!SCENARIOS.has('storm') && !SCENARIOS.has('state')) return result;

    const wanted = Math.max(STORM, STATE_GATEWAYS);
    if (connected > wanted) {
      await ask(child, { cmd: 'disconnect', keep: wanted });
      connected = wanted;
    } else if (connected < wanted) {
      await ask(child, {
        cmd: 'connect',
        url: wsUrl,
        gateways: gateways.slice(connected, wanted),
        concurrency: CONNECT_CONCURRENCY,
      });
      connected = wanted;
    }
    await until(() => bridge.sessionCount === connected, 60_000, 'the session count to settle');
    await server.projections.waitFor(await server.stores.eventStore.headPosition(), ['BridgeSessionClosed'], 120_000);

    if (SCENARIOS.has('storm')) {
      if (connected !== STORM) {
        await ask(child, { cmd: 'disconnect', keep: STORM });
        connected = STORM;
      }
      statements.clear();
      const database = server.env.DATABASE_URL ? databaseOf(server.env.DATABASE_URL) : null;
      const backendsBefore = database === null ? null : backendCpuMicros(database);
      const stormCpu = process.cpuUsage();
      const storm = () =>
        STORM_PERF
          ? perfRecorded(`${STORM_PERF}-${target}-${Date.now()}.data`, STORM_PERF_ALL, () =>
              ask(child, { cmd: 'storm' }),
            )
          : ask(child, { cmd: 'storm' });
      const reply = STORM_PROFILE
        ? await profiled(`${STORM_PROFILE}-${target}-${Date.now()}.cpuprofile`, storm)
        : await storm();
      if (reply.cmd !== 'storm') throw new Error('unexpected reply');
      result.stormMs = reply.ms;
      result.stormRetries = reply.retries;
      const serverCpu = process.cpuUsage(stormCpu);
      const backendsAfter = database === null ? null : backendCpuMicros(database);
      result.stormCpuUsPerGateway = (serverCpu.user + serverCpu.system) / STORM;
      result.stormClientCpuUsPerGateway = reply.cpuUs / STORM;
      if (backendsBefore !== null && backendsAfter !== null)
        result.stormBackendCpuUsPerGateway = (backendsAfter - backendsBefore) / STORM;
      result.loads.push(`storm ${load()}`);
      const backends = result.stormBackendCpuUsPerGateway;
      console.log(
        `  [${target}] storm: ${reply.welcomed} gateways back in ${reply.ms.toFixed(0)} ms ` +
          `(${((reply.welcomed / reply.ms) * 1000).toFixed(0)} connects/s, ${reply.retries} retried handshakes; ` +
          `CPU per reconnect: server process ${result.stormCpuUsPerGateway.toFixed(0)} µs ` +
          `(system ${(serverCpu.system / STORM).toFixed(0)}), gateways' process ${result.stormClientCpuUsPerGateway.toFixed(0)} µs` +
          `${backends === undefined ? '' : `, PostgreSQL backends ${backends.toFixed(0)} µs`}; load ${load()})`,
      );
      await until(() => bridge.sessionCount === STORM, 60_000, 'the sessions after the storm');
      await server.projections.waitFor(await server.stores.eventStore.headPosition(), ['BridgeSessionClosed'], 120_000);
      printStatements('storm', STORM);
    }

    if (SCENARIOS.has('state')) {
      if (connected < STATE_GATEWAYS) {
        await ask(child, {
          cmd: 'connect',
          url: wsUrl,
          gateways: gateways.slice(connected, STATE_GATEWAYS),
          concurrency: CONNECT_CONCURRENCY,
        });
      }
      statements.clear();
      const stateCpu = process.cpuUsage();
      const state = () =>
        ask(child, { cmd: 'state', gateways: STATE_GATEWAYS, window: STATE_WINDOW, seconds: STATE_SECONDS });
      const reply = STATE_PROFILE
        ? await profiled(`${STATE_PROFILE}-${target}-${Date.now()}.cpuprofile`, state)
        : await state();
      if (reply.cmd !== 'state') throw new Error('unexpected reply');
      if (reply.errors > 0) throw new Error(`${reply.errors} state frames answered with an error`);
      result.statesPerSecond = reply.acked / reply.seconds;
      result.stateCpuUsPerFrame = cpuMicros(stateCpu) / reply.acked;
      printStatements('state (per acked frame)', reply.acked);
      result.loads.push(`state ${load()}`);
      console.log(
        `  [${target}] state: ${STATE_GATEWAYS} gateways × window ${STATE_WINDOW}: ${result.statesPerSecond.toFixed(0)} acked frames/s ` +
          `(server process CPU ${result.stateCpuUsPerFrame.toFixed(0)} µs per frame; load ${load()})`,
      );
    }
    return result;
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await server.stop();
  }
}

const summarise = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

const chosen = process.argv.slice(2).filter((name): name is BenchTarget => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) {
  const { sessions: SESSIONS, storm: STORM } = sizesFor(target);
  const results: RunResult[] = [];
  for (let run = 1; run <= RUNS; run++) {
    console.log(`[${target}] run ${run}/${RUNS} (load ${load()})`);
    results.push(await runOnce(target));
  }
  const pick = (
    field:
      | 'kibPerSession'
      | 'rssKibPerSession'
      | 'connectMs'
      | 'stormMs'
      | 'statesPerSecond'
      | 'stormCpuUsPerGateway'
      | 'stormClientCpuUsPerGateway'
      | 'stormBackendCpuUsPerGateway'
      | 'stateCpuUsPerFrame',
  ) => results.map((r) => r[field]).filter((v): v is number => v !== undefined);
  console.log(`[${target}] ${RUNS} runs, median [min … max]:`);
  if (pick('kibPerSession').length > 0) {
    const rss = summarise(pick('rssKibPerSession'));
    console.log(
      `  idle ${SESSIONS} sessions: ${fmt(summarise(pick('kibPerSession')), 1)} KiB heap/session, ${fmt(rss, 1)} KiB RSS/session`,
    );
    recordRow({
      row: `idle bridge sessions (${SESSIONS})`,
      store: target,
      unit: 'KiB heap/session',
      values: pick('kibPerSession'),
      note: `RSS ${rss.median.toFixed(1)} KiB/session`,
    });
  }
  if (pick('stormMs').length > 0) {
    console.log(
      `  storm ${STORM} gateways: ${fmt(summarise(pick('stormMs')))} ms until all welcomed ` +
        `(${fmt(summarise(pick('stormMs').map((ms) => (STORM / ms) * 1000)))} connects/s)`,
    );
    const cpu = summarise(pick('stormCpuUsPerGateway'));
    const backends = pick('stormBackendCpuUsPerGateway');
    console.log(
      `  storm: CPU per reconnect: server process ${fmt(cpu)} µs, gateways' process ${fmt(summarise(pick('stormClientCpuUsPerGateway')))} µs` +
        (backends.length > 0 ? `, PostgreSQL backends ${fmt(summarise(backends))} µs` : ''),
    );
    const row = `reconnect storm, ${STORM} gateways`;
    const note = `CPU ${cpu.median.toFixed(0)} µs/reconnect`;
    recordRow({ row, store: target, unit: 'ms until all welcomed', values: pick('stormMs'), note });
  }
  if (pick('statesPerSecond').length > 0) {
    const cpu = summarise(pick('stateCpuUsPerFrame'));
    console.log(
      `  state ${STATE_GATEWAYS}×${STATE_WINDOW}: ${fmt(summarise(pick('statesPerSecond')))} acked frames/s, ` +
        `server process CPU ${fmt(cpu)} µs per frame`,
    );
    const row = `state frames stored + acked (${STATE_GATEWAYS} gateways × window ${STATE_WINDOW})`;
    const note = `CPU ${cpu.median.toFixed(0)} µs/frame`;
    recordRow({ row, store: target, unit: 'frames/s', values: pick('statesPerSecond'), note });
  }
  console.log(
    `  load averages (1/5/15 min) at each measurement: ${results.map((r) => r.loads.join(', ')).join(' | ')}`,
  );
}
process.exit(0);
