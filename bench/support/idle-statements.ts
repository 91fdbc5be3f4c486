/**
 * Statements per second of an idle server (no client, no gateway): the server in this process, its Knex counted
 * for BENCH_IDLE_SECONDS (10) after a 3 s settle, by shape. What the subscriptions' idle poll and the background
 * samplers cost a node that serves nobody.
 *
 *   node --import tsx bench/support/idle-statements.ts [pglite|postgres]
 */
import { startBenchServer, type BenchTarget } from './bench-server.ts';

const SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const target = (process.argv[2] ?? 'pglite') as BenchTarget;
const server = await startBenchServer(target, { SCRYPT_LOG_N: '4' });
const shapes = new Map<string, number>();
let counting = false;
server.stores.readModels.knex.on('query', (query: { sql: string }) => {
  if (!counting) return;
  const shape = query.sql.replace(/\s+/g, ' ').slice(0, 90);
  shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
});
await new Promise((resolve) => setTimeout(resolve, 3000));
counting = true;
await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
counting = false;
const total = [...shapes.values()].reduce((sum, n) => sum + n, 0);
console.log(`[${target}] idle: ${(total / SECONDS).toFixed(1)} statements/s`);
for (const [sql, n] of [...shapes].sort((a, b) => b[1] - a[1]).slice(0, 12))
  console.log(`  ${(n / SECONDS).toFixed(2)}/s  ${sql}`);
await server.stop();
process.exit(0);
