/**
 * Reads benchmark (issue 16's two `GET /api/gateways/` rows), against the real server in this process, 16
 * concurrent clients (autocannon), p50/p99 and req/s per run:
 *  - `1 gateway`: 16 owners with one gateway each (each request uses one of their tokens in turn): the cost of an
 *    authenticated list read itself (token check, membership join, JSON);
 *  - `200 gateways, page of 100`: one owner with 200 gateways asks `?limit=100` (the list is paged: limit ≤ 100).
 * Also prints provisions/s while it sets up (16 concurrent clients). Targets 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:gateways [-- pglite postgres]   # PGlite, and the Postgres server with BENCH_DATABASE_URL/TEST_DATABASE_URL
 *   knobs: BENCH_RUNS (3; quick 2), BENCH_SECONDS (5; quick 2), BENCH_BIG_LIST (200)
 */
import autocannon from 'autocannon';
import { loadAverage, quickBench, recordRow, summarise } from './support/bench-report.ts';
import { benchTargets, fmt, postJson, startBenchServer, type BenchTarget } from './support/bench-server.ts';

const CONCURRENCY = 16;
const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 2 : 3));
const SECONDS = Number(process.env.BENCH_SECONDS ?? (quickBench ? 2 : 5));
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

/** RUNS autocannon runs of GET `path`, the tokens taken in turn; logs and records the row. */
async function measure(target: BenchTarget, url: string, path: string, tokens: string[], row: string) {
  const runs: Array<{ rate: number; p50: number; p99: number }> = [];
  for (let run = 0; run < RUNS; run++) {
    let turn = 0;
    const result = await autocannon({
      url: `${url}${path}`,
      connections: CONCURRENCY,
      duration: SECONDS,
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => ({
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${tokens[turn++ % tokens.length]}` },
          }),
        },
      ],
    });
    if (result.non2xx > 0 || result.errors > 0)
      throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
    runs.push({ rate: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 });
  }
  const p99 = summarise(runs.map((r) => r.p99));
  const p50 = summarise(runs.map((r) => r.p50));
  console.log(
    `[${target}] ${row}, ${RUNS}×${SECONDS} s: req/s ${fmt(summarise(runs.map((r) => r.rate)))}, ` +
      `p50 ${fmt(p50, 1)} ms, p99 ${fmt(p99, 1)} ms; load ${loadAverage()}`,
  );
  recordRow({ row, store: target, unit: 'req/s', values: runs.map((r) => r.rate), note: `p99 ${p99.median} ms` });
}

const chosen = process.argv.slice(2).filter((name): name is BenchTarget => name === 'pglite' || name === 'postgres');
for (const target of chosen.length > 0 ? chosen : benchTargets()) {
  const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
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
  }
}
process.exit(0);
