/**
 * Accounts benchmark: login/s and refresh/s at the default scrypt cost (15) and the test cost (4), the time a
 * login costs for a wrong e-mail vs a wrong password (they must match: no account enumeration), and p50/p99 of
 * GET /api/auth/profile under 32 concurrent clients (autocannon). Targets 127.0.0.1 only; stops by itself.
 *
 *   npm run bench:auth                 # PGlite (and the Postgres server when BENCH_DATABASE_URL/TEST_DATABASE_URL is set)
 */
import autocannon from 'autocannon';
import { benchTargets, fmt, median, postJson, repeat, startBenchServer } from './support/bench-server.ts';

const RUNS = 3;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** `count` operations by `concurrency` workers; `op` gets the worker's number. */
async function opsPerSecond(
  count: number,
  concurrency: number,
  op: (worker: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next++ < count) await op(worker);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

for (const target of benchTargets()) {
  for (const logN of [15, 4]) {
    const server = await startBenchServer(target, { SCRYPT_LOG_N: String(logN) });
    const email = `bench-${logN}@example.com`;
    const password = 'benchmark password';
    const registered = await postJson(`${server.url}/api/auth/register`, { email, password, name: 'Bench' });
    const loginCount = logN === 15 ? 40 : 400;
    const logins = await repeat(RUNS, () =>
      opsPerSecond(loginCount, 8, async () => {
        const r = await postJson(`${server.url}/api/auth/login`, { email, password });
        if (r.status !== 200) throw new Error(`login ${r.status}`);
      }),
    );
    // Each refresh rotates the token: one chain per worker.
    const refreshes = await repeat(RUNS, async () => {
      const chains = await Promise.all(
        Array.from(
          { length: 8 },
          async () => (await postJson(`${server.url}/api/auth/login`, { email, password })).body.refresh as string,
        ),
      );
      // A worker owns its chain: two requests with one refresh token would (rightly) be taken as theft.
      return opsPerSecond(400, 8, async (slot) => {
        const r = await postJson(`${server.url}/api/auth/refresh`, { refresh: chains[slot] });
        if (r.status !== 200) throw new Error(`refresh ${r.status}`);
        chains[slot] = r.body.refresh;
      });
    });
    const wrongPassword: number[] = [];
    const wrongEmail: number[] = [];
    for (let i = 0; i < 20; i++) {
      wrongPassword.push(
        await timed(() => postJson(`${server.url}/api/auth/login`, { email, password: 'wrong password' })),
      );
      wrongEmail.push(
        await timed(() => postJson(`${server.url}/api/auth/login`, { email: `nobody${i}@example.com`, password })),
      );
    }
    console.log(
      `[${target}, scrypt logN=${logN}] login/s ${fmt(logins, 1)}  refresh/s ${fmt(refreshes, 1)}  ` +
        `401 latency ms: wrong password ${median(wrongPassword).toFixed(1)}, unknown e-mail ${median(wrongEmail).toFixed(1)} (medians of 20)`,
    );

    if (logN === 4) {
      const p50s: number[] = [];
      const p99s: number[] = [];
      const rates: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const result = await autocannon({
          url: `${server.url}/api/auth/profile`,
          connections: 32,
          duration: 5,
          headers: { authorization: `Bearer ${registered.body.access}` },
        });
        if (result.non2xx > 0) throw new Error(`profile: ${result.non2xx} non-2xx answers`);
        p50s.push(result.latency.p50);
        p99s.push(result.latency.p99);
        rates.push(result.requests.average);
      }
      console.log(
        `[${target}] GET /api/auth/profile, 32 clients, 3×5 s: req/s ${median(rates).toFixed(0)} [${Math.min(...rates).toFixed(0)} … ${Math.max(...rates).toFixed(0)}], ` +
          `p50 ${median(p50s)} ms, p99 ${median(p99s)} ms (medians of runs)`,
      );
    }
    await server.stop();
  }
}
process.exit(0);
