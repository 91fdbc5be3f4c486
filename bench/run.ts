/**
 * `npm run bench <name> [args…]` runs `bench/<name>.bench.ts` (the same as `npm run bench:<name>`); without a
 * name it lists them. Each benchmark runs in a child process, with `--expose-gc` (the bridge benchmark reads heap
 * sizes after a collection; the others ignore it).
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .map((file) => file.slice(0, -'.bench.ts'.length))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  if (name) console.error(`No benchmark named "${name}".`);
  console.error(`Usage: npm run bench <name> [args…]; benchmarks: ${available.join(', ')}`);
  process.exit(name ? 2 : 0);
}

const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, `${name}.bench.ts`), ...args], {
  stdio: 'inherit',
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
