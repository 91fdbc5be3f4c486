/**
 * Event-store benchmark: single-event appends/s with 1 and 32 concurrent writers (each append a new stream, so
 * writers never conflict), and the catch-up read rate (readAll pages of 1,000 from the start of a pre-filled log).
 * Every configuration runs 3 times on a fresh store; the median and min/max are printed.
 *
 *   npm run bench:eventstore                    # every adapter available
 *   npm run bench:eventstore -- postgres esdb   # only these (pglite | postgres | esdb)
 *
 * Environment: BENCH_DATABASE_URL or TEST_DATABASE_URL (a Postgres server: the bench creates and drops its own
 * database there), BENCH_RUNS (3), BENCH_APPEND_SECONDS (3), BENCH_READ_EVENTS (100000; 20000 for the esdb test
 * double), BENCH_POOL_MAX (Knex pool on the Postgres server).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDatabase, type Database } from '../src/database/connect.ts';
import { EsdbEventStore } from '../src/eventstore/esdb/esdb-event-store.ts';
import { openPostgresEventStore } from '../src/eventstore/open-event-store.ts';
import type { EventStore, EventToAppend } from '../src/eventstore/port.ts';
import { createLogger } from '../src/logger.ts';
import { EsdbTestServer } from '../test/support/esdb-test-server.ts';
import { createScratchDatabase } from '../test/support/scratch-postgres.ts';
import { quickBench, recordRow } from './support/bench-report.ts';

type AdapterName = 'pglite' | 'postgres' | 'esdb';

interface OpenStore {
  store: EventStore;
  close(): Promise<void>;
}

interface Adapter {
  name: AdapterName;
  label: string;
  readEvents: number;
  open(): Promise<OpenStore>;
}

const RUNS = Number(process.env.BENCH_RUNS ?? (quickBench ? 1 : 3));
const APPEND_SECONDS = Number(process.env.BENCH_APPEND_SECONDS ?? (quickBench ? 1 : 3));
const QUICK_READ_EVENTS = 5_000;
const READ_PAGE = 1000;
const logger = createLogger('silent');
const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

const adapters: Adapter[] = [
  {
    name: 'pglite',
    label: 'PGlite (embedded, on disk)',
    readEvents: Number(process.env.BENCH_READ_EVENTS ?? (quickBench ? QUICK_READ_EVENTS : 100_000)),
    async open() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-bench-'));
      const database = connectDatabase({ kind: 'pglite', dataDir: path.join(dir, 'pgdata') });
      return openedStore(database, async () => fs.rmSync(dir, { recursive: true, force: true }));
    },
  },
  {
    name: 'postgres',
    label: 'PostgreSQL server',
    readEvents: Number(process.env.BENCH_READ_EVENTS ?? (quickBench ? QUICK_READ_EVENTS : 100_000)),
    async open() {
      if (!postgresUrl) throw new Error('set BENCH_DATABASE_URL or TEST_DATABASE_URL');
      const scratch = await createScratchDatabase(postgresUrl, 'smarthome_bench');
      const poolMax = process.env.BENCH_POOL_MAX ? Number(process.env.BENCH_POOL_MAX) : undefined;
      const database = connectDatabase({ kind: 'postgres', url: scratch.url, ...(poolMax ? { poolMax } : {}) });
      return openedStore(database, scratch.drop);
    },
  },
  {
    name: 'esdb',
    label: 'EventStoreDB adapter — client path over gRPC to the in-memory test double, not EventStoreDB',
    readEvents: Number(process.env.BENCH_READ_EVENTS ?? (quickBench ? QUICK_READ_EVENTS : 20_000)),
    async open() {
      const double = await EsdbTestServer.start();
      const store = new EsdbEventStore(double.url);
      return {
        store,
        async close() {
          await store.close();
          await double.stop();
        },
      };
    },
  },
];

/** The event store on `database`; closing it closes both, then removes what held them. */
async function openedStore(database: Database, remove: () => Promise<void>): Promise<OpenStore> {
  const store = await openPostgresEventStore(database, logger);
  return {
    store,
    async close() {
      await store.close();
      await database.close();
      await remove();
    },
  };
}

const event = (i: number): EventToAppend => ({
  id: randomUUID(),
  type: 'DeviceStateReported',
  data: { device_id: `d${i}`, state: { on: i % 2 === 0, level: i % 100 } },
  metadata: { actor: { kind: 'gateway', id: 'bench' }, correlation_id: randomUUID(), time: new Date().toISOString() },
});

/** Single-event appends to new streams by `writers` concurrent loops for APPEND_SECONDS; returns appends/s. */
async function appendRate(store: EventStore, writers: number): Promise<number> {
  const run = randomUUID().slice(0, 8);
  let count = 0;
  const deadline = performance.now() + APPEND_SECONDS * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; performance.now() < deadline; i++) {
        await store.appendToStream(`bench_${run}-${writer}-${i}`, [event(i)], { expectedRevision: 'no_stream' });
        count++;
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Fills the log with `total` events (batches of 500 per stream), then reads it all in pages; returns events/s. */
async function catchUpRate(store: EventStore, total: number): Promise<number> {
  const batch = 500;
  for (let written = 0; written < total; written += batch) {
    const size = Math.min(batch, total - written);
    await store.appendToStream(
      `fill-${randomUUID()}`,
      Array.from({ length: size }, (_, i) => event(written + i)),
      {
        expectedRevision: 'no_stream',
      },
    );
  }
  const started = performance.now();
  let read = 0;
  let after: string | null = null;
  for (;;) {
    const page = await store.readAll({ after, maxCount: READ_PAGE });
    read += page.length;
    if (page.length < READ_PAGE) break;
    after = page[page.length - 1]!.position;
  }
  if (read < total) throw new Error(`read ${read} events, expected at least ${total}`);
  return read / ((performance.now() - started) / 1000);
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  return `${fmt(median).padStart(9)}  (min ${fmt(sorted[0]!)}, max ${fmt(sorted[sorted.length - 1]!)})`;
}

const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const name of requested) {
  if (!adapters.some((adapter) => adapter.name === name)) {
    process.stderr.write(`unknown adapter ${name}: use ${adapters.map((a) => a.name).join(', ')}\n`);
    process.exit(2);
  }
}
const selected = adapters.filter((adapter) => {
  if (requested.length > 0) return requested.includes(adapter.name);
  if (adapter.name === 'esdb' && quickBench) return false;
  return adapter.name !== 'postgres' || postgresUrl !== undefined;
});

process.stdout.write(
  `Event-store benchmark — ${os.cpus().length} CPUs, Node ${process.version}, ${RUNS} runs each, median (min, max)\n`,
);
for (const adapter of selected) {
  process.stdout.write(`\n${adapter.label}\n`);
  const results = { one: [] as number[], many: [] as number[], read: [] as number[] };
  for (let run = 0; run < RUNS; run++) {
    const { store, close } = await adapter.open();
    try {
      results.one.push(await appendRate(store, 1));
      results.many.push(await appendRate(store, 32));
      results.read.push(await catchUpRate(store, adapter.readEvents));
    } finally {
      await close();
    }
  }
  process.stdout.write(`  appends/s, 1 writer          ${summary(results.one)}\n`);
  process.stdout.write(`  appends/s, 32 writers        ${summary(results.many)}\n`);
  recordRow({ row: 'single-event appends, 32 writers', store: adapter.name, unit: 'appends/s', values: results.many });
  process.stdout.write(
    `  catch-up read, events/s      ${summary(results.read)}   (readAll pages of ${READ_PAGE} over ${adapter.readEvents.toLocaleString('en-US')} events)\n`,
  );
}
