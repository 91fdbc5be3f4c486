import type { RecordedRow } from './bench-report.ts';

export interface BenchResults {
  quick: boolean;
  machine: string;
  started: { at: string; load: string };
  finished: { at: string; load: string };
  failed: string[];
  rows: RecordedRow[];
}

const figure = (value: number) =>
  value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2);

/** The bench table as Markdown (it goes into README.md as it is printed): one line per row and store. */
export function benchTable(results: BenchResults): string {
  const lines = [
    `${results.quick ? 'Quick run' : 'Full run'}, ${results.started.at.slice(0, 16).replace('T', ' ')} UTC, ` +
      `${results.machine}; load average (1/5/15 min) ${results.started.load} before, ${results.finished.load} after.`,
    '',
    '| row | store | median [min … max] | runs | also | load (1/5/15) |',
    '|---|---|---|---|---|---|',
  ];
  for (const row of results.rows) {
    const range = `${figure(row.median)} [${figure(row.min)} … ${figure(row.max)}] ${row.unit}`;
    lines.push(`| ${row.row} | ${row.store} | ${range} | ${row.values.length} | ${row.note ?? ''} | ${row.load} |`);
  }
  if (results.failed.length > 0) lines.push('', `Failed (no rows): ${results.failed.join(', ')}.`);
  return lines.join('\n');
}
