import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createScratchDatabase } from '../../test/support/scratch-postgres.ts';
import { startServer, type RunningServer } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';

export type BenchTarget = 'pglite' | 'postgres';

/** The Postgres server to benchmark on, if any (a fresh database is created on it and dropped afterwards). */
export const benchDatabaseUrl = (): string | undefined =>
  process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

export function benchTargets(): BenchTarget[] {
  return benchDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

export interface BenchStore {
  /** The server's environment: a fresh DATA_DIR, secrets, 127.0.0.1, and the scratch database on `postgres`. */
  env: Record<string, string>;
  /** Drops the scratch database and removes DATA_DIR. */
  remove(): Promise<void>;
}

/** A fresh store for one server (PGlite in a temporary DATA_DIR, or a scratch database on the Postgres server). */
export async function benchStore(target: BenchTarget, overrides: Record<string, string> = {}): Promise<BenchStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-bench-'));
  const env: Record<string, string> = {
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    LOGIN_RATE_LIMIT: '1000000',
    // Where PGlite runs is the one setting taken from the caller's shell: the benches compare the two.
    ...(process.env.PGLITE_THREAD ? { PGLITE_THREAD: process.env.PGLITE_THREAD } : {}),
    ...overrides,
  };
  let drop: (() => Promise<void>) | null = null;
  if (target === 'postgres') {
    const scratch = await createScratchDatabase(benchDatabaseUrl()!, 'smarthome_bench');
    env.EVENT_STORE_URL = scratch.url;
    env.DATABASE_URL = scratch.url;
    drop = scratch.drop;
  }
  return {
    env,
    async remove() {
      await drop?.();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts the real server on 127.0.0.1 over a fresh store; `stop()` removes everything it made. */
export async function startBenchServer(
  target: BenchTarget,
  overrides: Record<string, string> = {},
): Promise<RunningServer & { env: Record<string, string>; stop(): Promise<void> }> {
  const store = await benchStore(target, overrides);
  const config = loadConfig(store.env);
  const server = await startServer(config, createLogger(config.LOG_LEVEL));
  return {
    ...server,
    env: store.env,
    async stop() {
      await server.close();
      await store.remove();
    },
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `fn` `runs` times and summarises a numeric result as median [min … max]. */
export async function repeat(
  runs: number,
  fn: () => Promise<number>,
): Promise<{ median: number; min: number; max: number }> {
  const results: number[] = [];
  for (let i = 0; i < runs; i++) results.push(await fn());
  return { median: median(results), min: Math.min(...results), max: Math.max(...results) };
}

export const fmt = (r: { median: number; min: number; max: number }, digits = 0) =>
  `${r.median.toFixed(digits)} [${r.min.toFixed(digits)} … ${r.max.toFixed(digits)}]`;

/**
 * A keep-alive socket the server closed while idle resets the next request on it; that one is sent again, up to
 * three times: after a slow phase (a loaded machine, a `serve` child on PGlite) several pooled sockets can have
 * gone stale at once, and the retry may draw another of them.
 */
const resetOnIdle = (error: unknown) => (error as { cause?: { code?: string } }).cause?.code === 'ECONNRESET';
const SENDS_ON_RESET = 3;

// Bench helper: callers read a field or two of the answer; typing every response shape here buys nothing.
export async function postJson(url: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const send = () =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
  const sendAgainOnReset = (attempt: number): Promise<Response> =>
    send().catch((error: unknown) => {
      if (resetOnIdle(error) && attempt < SENDS_ON_RESET) return sendAgainOnReset(attempt + 1);
      throw error;
    });
  const response = await sendAgainOnReset(1);
  return { status: response.status, body: response.status === 204 ? null : await response.json() };
}
