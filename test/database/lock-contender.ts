// A child process that tries to lock a DATA_DIR when told to (a line on stdin), reports the outcome on stdout,
// and holds what it got until its stdin closes. Used to start N lockDataDir calls at the same moment.
import { createInterface } from 'node:readline';
import { DataDirLockedError, lockDataDir } from '../../src/database/data-dir-lock.ts';

const dataDir = process.argv[2]!;
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
let lock: { release(): void } | null = null;
lines.once('line', () => {
  try {
    lock = lockDataDir(dataDir, 'contender');
    process.stdout.write('won\n');
  } catch (error) {
    process.stdout.write(error instanceof DataDirLockedError ? 'refused\n' : `failed ${String(error)}\n`);
  }
});
lines.on('close', () => {
  lock?.release();
  process.exit(0);
});
