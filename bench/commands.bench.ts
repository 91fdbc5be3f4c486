/**
 * Remote-command round trip: POST /api/gateways/{id}/commands/ → bridge → edge (an EdgeClient with a simulated
 * home, in this process) → ack → HTTP 200. 100 gateways; for each concurrency in BENCH_CONCURRENCY (1: one command
 * after the other, the latency of a lone command; 16: clients each sending one command after the other, where the
 * latency is mostly queueing behind the others), commands to random gateways for SECONDS; p50/p99 latency,
 * commands/s, and the SQL statements per command this process sent (all of them — the request's, the relay's, the
 * projections' — counted on its Knex; a count does not depend on the machine's load, a time does). On PGlite and
 * (with BENCH_DATABASE_URL or TEST_DATABASE_URL) on the Postgres server, where it also runs across two processes:
 * the gateways connect to this process, the REST calls go to a `serve` child on the same database (its statements
 * are not counted). Each line ends with the load average (1 min) before and after. 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:commands [-- pglite postgres]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { createSimulatedGateway, type SimulatedGateway } from '../src/edge/index.ts';
import { freePort } from '../test/support/free-port.ts';
import { quickBench, recordRow } from './support/bench-report.ts';
import { benchTargets, fmt, percentile, postJson, startBenchServer, type BenchTarget } from './support/bench-server.ts';

const GATEWAYS = Number(process.env.BENCH_GATEWAYS ?? (quickBench ? 20 : 100));
const CONCURRENCIES = (process.env.BENCH_CONCURRENCY ?? '1,16').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quickBench ? 2 : 5));
const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 1 : 3));

/** The table's rows (issue 16): a lone command's latency, and 16 clients' throughput, in one process. */
function recordRows(target: BenchTarget, shape: string, concurrency: number, results: RunResult[]): void {
  if (shape !== 'same process') return;
  const p99 = summarise(results.map((r) => r.p99)).median.toFixed(1);
  if (concurrency === 1) {
    const row = 'lone remote command, REST → edge ack → 200';
    recordRow({ row, store: target, unit: 'ms p50', values: results.map((r) => r.p50), note: `p99 ${p99} ms` });
  } else {
    const row = `remote commands, ${concurrency} clients`;
    recordRow({ row, store: target, unit: 'cmd/s', values: results.map((r) => r.rate), note: `p99 ${p99} ms` });
  }
}

async function startChild(env: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  // The sources through tsx, like the parent process: a stale dist/ must not be what gets measured.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    cwd: path.resolve(import.meta.dirname, '..'),
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', NODE_ID: 'bench-b', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (
      await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { url, child };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGTERM');
  throw new Error('child server not ready in 60 s');
}

interface RunResult {
  p50: number;
  p99: number;
  rate: number;
  statementsPerCommand: number;
}

async function run(
  restUrl: string,
  token: string,
  gatewayIds: string[],
  concurrency: number,
  statements: () => number,
): Promise<RunResult> {
  const latencies: number[] = [];
  const end = performance.now() + SECONDS * 1000;
  const started = performance.now();
  const statementsBefore = statements();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const gatewayId = gatewayIds[Math.floor(Math.random() * gatewayIds.length)]!;
        const t0 = performance.now();
        const answer = await postJson(
          `${restUrl}/api/gateways/${gatewayId}/commands/`,
          { device_id: 'light-1', action: 'turn_on' },
          token,
        );
        if (answer.status !== 200 || answer.body.status !== 'succeeded')
          throw new Error(`command: ${answer.status} ${JSON.stringify(answer.body)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rate: latencies.length / ((performance.now() - started) / 1000),
    statementsPerCommand: (statements() - statementsBefore) / latencies.length,
  };
}

const load = () => os.loadavg()[0]!.toFixed(1);

const summarise = (values: number[]) => ({
  median: [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!,
  min: Math.min(...values),
  max: Math.max(...values),
});

const chosen = process.argv
  .slice(2)
  .filter((name): name is 'pglite' | 'postgres' => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) {
  const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
  // Event store and read models share one Knex here (PGlite, or one Postgres database).
  let statementCount = 0;
  server.stores.readModels.knex.on('query', () => (statementCount += 1));
  const edges: SimulatedGateway[] = [];
  let child: ChildProcess | null = null;
  try {
    const registered = await postJson(`${server.url}/api/auth/register`, {
      email: 'bench@example.com',
      password: 'benchmark password',
    });
    if (registered.status !== 201) throw new Error(`register ${registered.status}: ${JSON.stringify(registered.body)}`);
    const token = registered.body.access as string;
    const gatewayIds: string[] = [];
    for (let i = 0; i < GATEWAYS; i++) {
      const provisioned = await postJson(`${server.url}/api/gateways/provision`, { name: `Gateway ${i}` }, token);
      if (provisioned.status !== 201) throw new Error(`provision ${provisioned.status}`);
      gatewayIds.push(provisioned.body.id);
      const edge = createSimulatedGateway(
        { url: server.url.replace(/^http/, 'ws'), gatewayId: provisioned.body.id, secret: provisioned.body.secret },
        { deviceCount: 3 },
      );
      const connected = firstValueFrom(edge.client.eventsOfType('connected'));
      edge.start();
      await connected;
      edges.push(edge);
    }
    const shapes: Array<[string, string]> = [['same process', server.url]];
    // Across two processes: a `serve` child over the same database and secret takes the REST calls.
    if (target === 'postgres' && !quickBench) {
      const started = await startChild({ ...server.env, DATA_DIR: `${server.env.DATA_DIR}-child` });
      child = started.child;
      shapes.push(['two processes', started.url]);
    }
    await run(server.url, token, gatewayIds.slice(0, 10), 4, () => statementCount); // warm-up
    for (const [shape, restUrl] of shapes) {
      for (const concurrency of CONCURRENCIES) {
        const loadBefore = load();
        const results: RunResult[] = [];
        for (let i = 0; i < RUNS; i++)
          results.push(await run(restUrl, token, gatewayIds, concurrency, () => statementCount));
        recordRows(target, shape, concurrency, results);
        console.log(
          `[${target}, ${shape}] ${GATEWAYS} gateways, ${concurrency} client(s), ${RUNS}×${SECONDS} s: ` +
            `p50 ${fmt(summarise(results.map((r) => r.p50)), 1)} ms, p99 ${fmt(summarise(results.map((r) => r.p99)), 1)} ms, ` +
            `commands/s ${fmt(summarise(results.map((r) => r.rate)))}, ` +
            `statements/command here ${fmt(summarise(results.map((r) => r.statementsPerCommand)), 1)}; load ${loadBefore} → ${load()}`,
        );
      }
    }
  } finally {
    if (child) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await Promise.all(edges.map((edge) => edge.close()));
    await server.stop();
    fs.rmSync(`${server.env.DATA_DIR}-child`, { recursive: true, force: true });
  }
}
process.exit(0);
