/**
 * `npm run bench` runs every benchmark under bench/, each in a child process, and prints one table (issue 16's
 * rows: store, median [min … max] over runs, load average when the row was measured); it writes bench/results.json.
 * `npm run bench -- --quick` runs only the benchmarks behind the table's rows, with smaller sizes and one or two
 * short runs each (BENCH_QUICK=1), in under 3 minutes. `npm run bench <name> [args…]` runs one benchmark
 * (`bench/<name>.bench.ts`, the same as `npm run bench:<name>`). Children get `--expose-gc` (the bridge benchmark
 * reads heap sizes after a collection; the others ignore it).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTable } from './support/bench-table.ts';
import { loadAverage, type RecordedRow } from './support/bench-report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const available = fs
  .readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort();
/** The benchmarks behind the table's rows, in the table's order; the others run after them in a full run. */
const TABLE_BENCHES = ['gateways', 'commands', 'eventstore', 'bridge'];

function runBench(name: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, `${name}.bench.ts`), ...args], {
    stdio: 'inherit',
    env,
  });
  return new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));
}

async function runTable(quick: boolean): Promise<number> {
  const rowsFile = join(fs.mkdtempSync(join(os.tmpdir(), 'smarthome-bench-rows-')), 'rows.jsonl');
  const env = { ...process.env, BENCH_RESULTS_FILE: rowsFile, ...(quick ? { BENCH_QUICK: '1' } : {}) };
  const names = quick ? TABLE_BENCHES : [...TABLE_BENCHES, ...available.filter((n) => !TABLE_BENCHES.includes(n))];
  const started = { at: new Date().toISOString(), load: loadAverage() };
  const failed: string[] = [];
  for (const name of names) {
    console.log(`\n== ${name} (load ${loadAverage()})`);
    if ((await runBench(name, [], env)) !== 0) failed.push(name);
  }
  const rows: RecordedRow[] = fs.existsSync(rowsFile)
    ? fs
        .readFileSync(rowsFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as RecordedRow)
    : [];
  fs.rmSync(dirname(rowsFile), { recursive: true, force: true });
  const finished = { at: new Date().toISOString(), load: loadAverage() };
  const machine = `${os.cpus().length} CPUs, Node ${process.version}`;
  const results = { quick, machine, started, finished, failed, rows };
  fs.writeFileSync(join(here, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\n${benchTable(results)}`);
  if (failed.length > 0) console.error(`failed: ${failed.join(', ')}`);
  return failed.length > 0 ? 1 : 0;
}

const [first, ...rest] = process.argv.slice(2);
if (first === undefined || first === '--quick') {
  process.exit(await runTable(first === '--quick'));
}
if (!available.includes(first)) {
  console.error(`No benchmark named "${first}". Usage: npm run bench [-- --quick] | npm run bench <name> [args…]`);
  console.error(`benchmarks: ${available.join(', ')}`);
  process.exit(2);
}
process.exit(await runBench(first, rest));
