/**
 * The reads profile (bench/README.md, "Reads"): a server in this process (PROF_TARGET pglite | postgres, the
 * latter on BENCH_DATABASE_URL), 16 owners with one gateway each, GET /api/gateways/ with 16 connections for
 * PROF_SECONDS (5) after a warm-up run; prints req/s and p50/p99 as one JSON line, and with PROF_OUT=<file> writes
 * a CPU profile of the measured run only (set-up excluded). For A/B, run it alternately in two checkouts.
 *
 *   PROF_OUT=/tmp/reads.cpuprofile node --import tsx bench/support/profile-reads.ts
 */
import autocannon from 'autocannon';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';
import { postJson, startBenchServer } from './bench-server.ts';

const server = await startBenchServer((process.env.PROF_TARGET as 'pglite' | 'postgres') ?? 'pglite', {
  SCRYPT_LOG_N: '4',
});
const tokens: string[] = [];
for (let i = 0; i < 16; i++) {
  const r = await postJson(`${server.url}/api/auth/register`, {
    email: `o${i}@example.com`,
    password: 'benchmark password',
  });
  tokens.push(r.body.access);
  await postJson(`${server.url}/api/gateways/provision`, { name: `G${i}` }, r.body.access);
}
const run = async () => {
  let turn = 0;
  const result = await autocannon({
    url: `${server.url}/api/gateways/`,
    connections: 16,
    duration: Number(process.env.PROF_SECONDS ?? 5),
    requests: [
      {
        method: 'GET',
        setupRequest: (q) => ({ ...q, headers: { ...q.headers, authorization: `Bearer ${tokens[turn++ % 16]}` } }),
      },
    ],
  });
  return result;
};
await run(); // warm-up
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
if (process.env.PROF_OUT) await session.post('Profiler.start');
const r = await run();
if (process.env.PROF_OUT) {
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(process.env.PROF_OUT, JSON.stringify(profile));
}
console.log(JSON.stringify({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx }));
await server.stop();
process.exit(0);
