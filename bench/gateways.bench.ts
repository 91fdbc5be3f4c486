/**
 * Gateways benchmark: provisions/s (16 concurrent clients, 1,000 gateways, each for a new home), then throughput
 * and p50/p99 of GET /api/gateways/ under 16 concurrent clients (autocannon) with those 1,000 gateways in the read
 * model, spread over 50 owners (20 each; each request uses one of their tokens in turn). Targets 127.0.0.1 only;
 * stops by itself.
 *
 *   npm run bench:gateways     # PGlite (and the Postgres server when BENCH_DATABASE_URL/TEST_DATABASE_URL is set)
 */
import autocannon from 'autocannon';
import { benchTargets, median, postJson, startBenchServer } from './support/bench-server.ts';

const GATEWAYS = 1000;
const OWNERS = 50;
const CONCURRENCY = 16;
const RUNS = 3;
const SECONDS = 5;

for (const target of benchTargets()) {
  const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
  try {
    const tokens: string[] = [];
    for (let i = 0; i < OWNERS; i++) {
      const registered = await postJson(`${server.url}/api/auth/register`, {
        email: `owner-${i}@example.com`,
        password: 'benchmark password',
        name: `Owner ${i}`,
      });
      if (registered.status !== 201) throw new Error(`register ${registered.status}`);
      tokens.push(registered.body.access as string);
    }

    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let n = next++; n < GATEWAYS; n = next++) {
          const answer = await postJson(
            `${server.url}/api/gateways/provision`,
            { name: `Gateway ${n}` },
            tokens[n % OWNERS],
          );
          if (answer.status !== 201) throw new Error(`provision ${answer.status}: ${JSON.stringify(answer.body)}`);
        }
      }),
    );
    const provisionsPerSecond = GATEWAYS / ((performance.now() - started) / 1000);
    console.log(
      `[${target}] provision: ${provisionsPerSecond.toFixed(1)}/s (${GATEWAYS} gateways, ${CONCURRENCY} clients)`,
    );

    const p50s: number[] = [];
    const p99s: number[] = [];
    const rates: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      let turn = 0;
      const result = await autocannon({
        url: `${server.url}/api/gateways/`,
        connections: CONCURRENCY,
        duration: SECONDS,
        requests: [
          {
            method: 'GET',
            setupRequest: (request) => ({
              ...request,
              headers: { ...request.headers, authorization: `Bearer ${tokens[turn++ % OWNERS]}` },
            }),
          },
        ],
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`list: ${result.non2xx} non-2xx, ${result.errors} errors`);
      p50s.push(result.latency.p50);
      p99s.push(result.latency.p99);
      rates.push(result.requests.average);
    }
    console.log(
      `[${target}] GET /api/gateways/ (20 of ${GATEWAYS} visible per caller), ${CONCURRENCY} clients, ${RUNS}×${SECONDS} s: ` +
        `req/s ${median(rates).toFixed(0)} [${Math.min(...rates).toFixed(0)} … ${Math.max(...rates).toFixed(0)}], ` +
        `p50 ${median(p50s)} ms, p99 ${median(p99s)} ms (medians of runs)`,
    );
  } finally {
    await server.stop();
  }
}
process.exit(0);
