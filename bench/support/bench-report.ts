import fs from 'node:fs';
import os from 'node:os';
import type { BenchTarget } from './bench-server.ts';

/**
 * One row of the bench table (issue 16's rows): what `npm run bench` gathers from every benchmark it runs. A bench
 * prints its own lines as before and also calls `recordRow`; when BENCH_RESULTS_FILE is set (bench/run.ts sets
 * it), the row is appended there as one JSON line with the load average at that moment.
 */
export interface BenchRow {
  /** The row's name in the table, e.g. `GET /api/gateways/ (1 gateway), 16 connections`. */
  row: string;
  store: BenchTarget | 'esdb';
  /** The measured quantity and its unit, e.g. `req/s`, `ms p50`. */
  unit: string;
  /** One value per run. */
  values: number[];
  /** What else the bench saw alongside (p99, counts), shown after the figure. */
  note?: string;
}

export interface RecordedRow extends BenchRow {
  median: number;
  min: number;
  max: number;
  load: string;
}

/** `npm run bench -- --quick` sets BENCH_QUICK=1: every bench then uses its smaller sizes and shorter runs. */
export const quickBench = process.env.BENCH_QUICK === '1';

export const loadAverage = (): string =>
  os
    .loadavg()
    .map((load) => load.toFixed(2))
    .join(' ');

export function summarise(values: number[]): { median: number; min: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

export function recordRow(row: BenchRow): void {
  const file = process.env.BENCH_RESULTS_FILE;
  if (!file || row.values.length === 0) return;
  const recorded: RecordedRow = { ...row, ...summarise(row.values), load: loadAverage() };
  fs.appendFileSync(file, `${JSON.stringify(recorded)}\n`);
}
