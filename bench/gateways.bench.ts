/**
 * Reads benchmark (issue 16's two `GET /api/gateways/` rows). The server is a `serve` child process (the CLI from its
 * sources) over a fresh store; this process sets it up over HTTP and generates the load, 16 connections, with `wrk`
 * when it is on PATH (else autocannon, in this process): req/s, p50 and p99 per run. The server does not share an
 * event loop with the load generator, as it would not in production (in one process, on 2 cores, the same code gave
 * 905 req/s where wrk against a started server gave 2,200).
 *  - `1 gateway`: 16 owners with one gateway each (each request uses one of their tokens in turn): the cost of an
 *    authenticated list read itself (token check, membership join, JSON);
 *  - `200 gateways, page of 100`: one owner with 200 gateways asks `?limit=100` (the list is paged: limit ≤ 100).
 * Each row starts with one warm-up run that is not counted (the first seconds after start run ~40 % slower: the
 * JIT has not compiled the request path yet). Also prints provisions/s while it sets up (16 concurrent clients).
 * Targets 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:gateways [-- pglite postgres]   # PGlite, and the Postgres server with BENCH_DATABASE_URL/TEST_DATABASE_URL
 *   knobs: BENCH_RUNS (3; quick 2), BENCH_SECONDS (5; quick 2), BENCH_WARMUP_SECONDS (BENCH_SECONDS),
 *          BENCH_BIG_LIST (200), BENCH_LOAD=autocannon (not wrk), BENCH_WRK_THREADS (2)
 */
import { loadAverage, quickBench, recordRow, summarise } from './support/bench-report.ts';
import { benchStore, benchTargets, fmt, postJson, type BenchTarget } from './support/bench-server.ts';
import { httpLoad, type LoadResult } from './support/http-load.ts';
import { startServeChild } from './support/serve-child.ts';

const CONCURRENCY = 16;
const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 2 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quickBench ? 2 : 5));
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? SECONDS);
const BIG_LIST = Number(process.env.BENCH_BIG_LIST ?? 200);

async function owner(url: string, n: number): Promise<string> {
  const registered = await postJson(`${url}/api/auth/register`, {
    email: `owner-${n}@example.com`,
    password: 'benchmark password',
  });
  if (registered.status !== 201) throw new Error(`register ${registered.status}`);
  return registered.body.access as string;
}

/** `count` provisions by CONCURRENCY clients, each for the given owner; returns provisions/s. */
async function provision(url: string, count: number, tokenOf: (n: number) => string): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let n = next++; n < count; n = next++) {
        const answer = await postJson(`${url}/api/gateways/provision`, { name: `Gateway ${n}` }, tokenOf(n));
        if (answer.status !== 201) throw new Error(`provision ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** A warm-up run, then RUNS measured runs of GET `path` with the tokens in turn; logs and records the row. */
async function measure(target: BenchTarget, url: string, path: string, tokens: string[], row: string) {
  const load = { url: `${url}${path}`, tokens, connections: CONCURRENCY };
  const warmUp = await httpLoad({ ...load, seconds: WARMUP_SECONDS });
  const runs: LoadResult[] = [];
  for (let run = 0; run < RUNS; run++) runs.push(await httpLoad({ ...load, seconds: SECONDS }));
  const p99 = summarise(runs.map((r) => r.p99));
  const p50 = summarise(runs.map((r) => r.p50));
  const generator = runs[0]!.generator;
  console.log(
    `[${target}] ${row}, ${generator}, ${RUNS}×${SECONDS} s after a ${WARMUP_SECONDS} s warm-up ` +
      `(${warmUp.rate.toFixed(0)} req/s): req/s ${fmt(summarise(runs.map((r) => r.rate)))}, ` +
      `p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms; load ${loadAverage()}`,
  );
  const note = `p99 ${p99.median.toFixed(1)} ms; ${generator}`;
  recordRow({ row, store: target, unit: 'req/s', values: runs.map((r) => r.rate), note });
}

const chosen = process.argv.slice(2).filter((name): name is BenchTarget => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) {
  const store = await benchStore(target, { SCRYPT_LOG_N: '4' });
  const server = await startServeChild(store.env).catch(async (error: unknown) => {
    await store.remove();
    throw error;
  });
  try {
    const singles = await Promise.all(Array.from({ length: CONCURRENCY }, (_, n) => owner(server.url, n)));
    await provision(server.url, singles.length, (n) => singles[n]!);
    const big = await owner(server.url, CONCURRENCY);
    const rate = await provision(server.url, BIG_LIST, () => big);
    console.log(`[${target}] provision: ${rate.toFixed(1)}/s (${BIG_LIST} gateways, ${CONCURRENCY} clients)`);

    await measure(target, server.url, '/api/gateways/', singles, 'GET /api/gateways/ (1 gateway), 16 connections');
    await measure(
      target,
      server.url,
      '/api/gateways/?limit=100',
      [big],
      `GET /api/gateways/?limit=100 (${BIG_LIST} gateways), 16 connections`,
    );
  } finally {
    await server.stop();
    await store.remove();
  }
}
process.exit(0);
