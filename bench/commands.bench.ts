/**
 * Remote-command round trip: POST /api/gateways/{id}/commands/ → bridge → edge (an EdgeClient with a simulated
 * home, in this process) → ack → HTTP 200. For each concurrency in BENCH_CONCURRENCY (1: one command after the
 * other, the latency of a lone command; 16: clients each sending one command after the other, where the latency is
 * mostly queueing behind the others), commands to random gateways for SECONDS: p50/p99 latency and commands/s.
 * Shapes, each on a fresh store, each after a warm-up run that is not counted:
 *  - `serve child` (issue 16's two table rows; the only shape of a quick run): the server is a `serve` child
 *    process (the CLI from its sources); the simulated gateways and the REST clients are in this process, so the
 *    server does not share its event loop with them. Its statements are not counted here (they are sent from
 *    the child; see the next shape).
 *  - `same process` (full runs): the server in this process too, which counts the SQL statements per command it
 *    sent — the request's, the relay's, the projections' — on its Knex (a count does not depend on the machine's
 *    load, a time does).
 *  - `two processes` (full runs, Postgres server only): the gateways connect to the server in this process, the
 *    REST calls go to a `serve` child on the same database (the child's statements are not counted): the hop
 *    between two nodes.
 * On PGlite and (with BENCH_DATABASE_URL or TEST_DATABASE_URL) on the Postgres server. Each line ends with the load
 * average (1 min) before and after. 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:commands [-- pglite postgres]
 *   knobs: BENCH_GATEWAYS (100; quick 20), BENCH_CONCURRENCY (1,16), BENCH_SECONDS (5; quick 2), BENCH_RUNS (3; quick 1),
 *          BENCH_QUERY_STATS=1 (the `same process` shape's statements per command, by shape)
 */
import fs from 'node:fs';
import os from 'node:os';
import { quickBench, recordRow } from './support/bench-report.ts';
import { benchStore, benchTargets, fmt, startBenchServer, type BenchTarget } from './support/bench-server.ts';
import { runCommands, setUpFleet, type CommandRun, type Fleet } from './support/remote-commands.ts';
import { startServeChild } from './support/serve-child.ts';
import { backendCpuMicros, databaseOf, processCpuMicros } from './support/backend-cpu.ts';

const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? (quickBench ? 20 : 100));
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,16').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quickBench ? 2 : 5));
const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 1 : 3));
/** Statements of this process by shape (the first 90 characters), when BENCH_QUERY_STATS=1. */
const statementShapes = process.env.BENCH_QUERY_STATS === '1' ? new Map<string, number>() : null;

type Shape = 'serve child' | 'same process' | 'two processes';

/** CPU spent so far (µs) by the server child, by this process (gateways and REST clients), by the database's backends. */
interface CpuReading {
  server: number | null;
  clients: number;
  backends: number | null;
}

/** Where a run's CPU went, for the note on what bounds 16 clients' rate (2 cores shared by all three). */
function cpuReader(serverPid: number | undefined, databaseUrl: string | undefined): () => CpuReading {
  const database = databaseUrl ? databaseOf(databaseUrl) : null;
  return () => {
    const { user, system } = process.cpuUsage();
    return {
      server: serverPid === undefined ? null : processCpuMicros(serverPid),
      clients: user + system,
      backends: database === null ? null : backendCpuMicros(database),
    };
  };
}

/** `CPU per command: …` between two readings, for `commands` commands; parts that could not be read are left out. */
function cpuPerCommand(before: CpuReading, after: CpuReading, commands: number): string {
  const per = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / commands);
  const parts: [string, number | null][] = [
    ['server', per(before.server, after.server)],
    ['clients', per(before.clients, after.clients)],
    ['PostgreSQL', per(before.backends, after.backends)],
  ];
  const known = parts.flatMap(([name, micros]) => (micros === null ? [] : [`${name} ${Math.round(micros)} µs`]));
  return `; CPU per command: ${known.join(', ')}`;
}

const load = () => os.loadavg()[0]!.toFixed(1);

const summarise = (values: number[]) => ({
  median: [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!,
  min: Math.min(...values),
  max: Math.max(...values),
});

/** The table's rows (issue 16): a lone command's latency, and 16 clients' throughput, with the server a child. */
function recordRows(target: BenchTarget, concurrency: number, results: CommandRun[]): void {
  const note = `p99 ${summarise(results.map((r) => r.p99)).median.toFixed(1)} ms; serve child`;
  if (concurrency === 1) {
    const row = 'lone remote command, REST → edge ack → 200';
    recordRow({ row, store: target, unit: 'ms p50', values: results.map((r) => r.p50), note });
  } else {
    const row = `remote commands, ${concurrency} clients`;
    recordRow({ row, store: target, unit: 'cmd/s', values: results.map((r) => r.rate), note });
  }
}

/** A warm-up run, then RUNS runs per concurrency; one line each, the table's rows from the `serve child` shape. */
async function measure(
  target: BenchTarget,
  shape: Shape,
  restUrl: string,
  fleet: Fleet,
  statements: (() => number) | null,
  cpu: (() => CpuReading) | null = null,
): Promise<void> {
  await runCommands(restUrl, { ...fleet, gatewayIds: fleet.gatewayIds.slice(0, 10) }, 4, SECONDS, statements);
  for (const concurrency of CONCURRENCIES) {
    const loadBefore = load();
    const results: CommandRun[] = [];
    statementShapes?.clear();
    const cpuBefore = cpu?.();
    for (let i = 0; i < RUNS; i++) results.push(await runCommands(restUrl, fleet, concurrency, SECONDS, statements));
    const commands = results.reduce((sum, r) => sum + r.commands, 0);
    const cpuSplit = cpu && cpuBefore ? cpuPerCommand(cpuBefore, cpu(), commands) : '';
    if (shape === 'serve child') recordRows(target, concurrency, results);
    const counted = results.flatMap((r) => (r.statementsPerCommand === null ? [] : [r.statementsPerCommand]));
    console.log(
      `[${target}, ${shape}] ${GATEWAYS} gateways, ${concurrency} client(s), ${RUNS}×${SECONDS} s: ` +
        `p50 ${fmt(summarise(results.map((r) => r.p50)), 1)} ms, p99 ${fmt(summarise(results.map((r) => r.p99)), 1)} ms, ` +
        `commands/s ${fmt(summarise(results.map((r) => r.rate)))}` +
        (counted.length > 0 ? `, statements/command in this process ${fmt(summarise(counted), 1)}` : '') +
        cpuSplit +
        `; load ${loadBefore} → ${load()}`,
    );
    if (statements && statementShapes) printShapes(commands);
  }
}

/** A statement's first 90 characters; reads of `$all` named by their filter (their text starts alike). */
function shapeOf(sql: string): string {
  const flat = sql.replace(/\s+/g, ' ');
  if (!/^(with read_horizon|select global_position)/.test(flat)) return flat.slice(0, 90);
  if (flat.includes(' union all ')) return '$all page, several types (union all)';
  return flat.includes('type = any(') ? '$all page, one type' : '$all page, unfiltered';
}

/** The statements counted since the runs began, per command, most frequent first. */
function printShapes(commands: number): void {
  const top = [...statementShapes!].sort((a, b) => b[1] - a[1]).slice(0, 20);
  console.log(
    `  statements per command by shape:\n${top.map(([sql, n]) => `    ${(n / commands).toFixed(2)}  ${sql}`).join('\n')}`,
  );
}

/** The table's shape: the server a `serve` child, gateways and REST clients here. */
async function serveChildShape(target: BenchTarget): Promise<void> {
  const store = await benchStore(target, { SCRYPT_LOG_N: '4' });
  let fleet: Fleet | null = null;
  try {
    const server = await startServeChild(store.env);
    try {
      fleet = await setUpFleet(server.url, GATEWAYS);
      await measure(
        target,
        'serve child',
        server.url,
        fleet,
        null,
        cpuReader(server.child.pid, store.env.DATABASE_URL),
      );
    } finally {
      await fleet?.close();
      await server.stop();
    }
  } finally {
    await store.remove();
  }
}

/** The server in this process (statements counted on its Knex), and on Postgres REST calls to a second node. */
async function inProcessShapes(target: BenchTarget): Promise<void> {
  const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
  // Event store and read models share one Knex here (PGlite, or one Postgres database).
  let statementCount = 0;
  server.stores.readModels.knex.on('query', (query: { sql: string }) => {
    statementCount += 1;
    if (!statementShapes) return;
    const shape = shapeOf(query.sql);
    statementShapes.set(shape, (statementShapes.get(shape) ?? 0) + 1);
  });
  const childDataDir = `${server.env.DATA_DIR}-child`;
  let fleet: Fleet | null = null;
  try {
    fleet = await setUpFleet(server.url, GATEWAYS);
    await measure(target, 'same process', server.url, fleet, () => statementCount);
    // PGlite's DATA_DIR is one process's: only a Postgres database can take a second node.
    if (target === 'postgres') {
      const child = await startServeChild({ ...server.env, DATA_DIR: childDataDir, NODE_ID: 'bench-b' });
      try {
        await measure(target, 'two processes', child.url, fleet, () => statementCount);
      } finally {
        await child.stop();
      }
    }
  } finally {
    await fleet?.close();
    await server.stop();
    fs.rmSync(childDataDir, { recursive: true, force: true });
  }
}

const chosen = process.argv.slice(2).filter((name): name is BenchTarget => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) {
  await serveChildShape(target);
  if (!quickBench) await inProcessShapes(target);
}
process.exit(0);
