import fs from 'node:fs';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/**
 * PGlite has no lock of its own: two processes on one directory silently lose each other's writes. The process
 * that opens DATA_DIR holds `DATA_DIR/.lock` (its pid); a second one refuses with a clear message. A lock left by
 * a process that died (kill -9) is taken over.
 */
export function lockDataDir(dataDir: string, purpose: string): { release(): void } {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, '.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, purpose, since: new Date().toISOString() }), {
        flag: 'wx',
      });
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          fs.rmSync(lockPath, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(lockPath);
      if (holder && isAlive(holder.pid)) {
        throw new DataDirLockedError(
          `DATA_DIR ${path.resolve(dataDir)} is in use by process ${holder.pid} (${holder.purpose}). ` +
            'Embedded PGlite allows one process at a time: stop that process and run this command again, or point ' +
            'EVENT_STORE_URL and DATABASE_URL at a PostgreSQL server to run CLI commands while the service runs.',
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirLockedError(`Could not lock DATA_DIR ${path.resolve(dataDir)}`);
}

function readHolder(lockPath: string): { pid: number; purpose: string } | null {
  try {
    const parsed = JSON.parse(fs.readFileSync(lockPath, 'utf8')) as { pid?: unknown; purpose?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, purpose: String(parsed.purpose ?? 'unknown') } : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
