import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

/** What `DATA_DIR/.lock` holds: who opened the directory, and a token no other lock shares. */
interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly purpose: string;
  readonly since: string;
  readonly token: string;
}

export interface DataDirLock {
  release(): void;
}

/** A takeover lasts milliseconds; one older than this was left by a process that died mid-takeover. */
const TAKEOVER_STALE_MS = 30_000;
const MAX_ATTEMPTS = 5;

/**
 * PGlite has no lock of its own: two processes on one directory silently lose each other's writes. The process
 * that opens DATA_DIR holds `DATA_DIR/.lock`; a second one refuses with a clear message.
 *
 * - The lock appears with its content, never empty: the content is written to a temporary file, which is then
 *   hard-linked to `.lock` (`link` fails when `.lock` exists — an exclusive create of a complete file).
 * - A lock is stale only when it names this host and a pid that is not alive. A lock naming another host (a
 *   shared volume) and a lock that cannot be read (truncated, edited) are held: nothing proves their owner gone,
 *   so an operator decides (the message says how).
 * - A stale lock is removed only under `.lock.takeover` (itself an exclusive link), after re-reading it there, so
 *   two processes taking over one stale lock cannot remove each other's fresh one.
 * - `release()` removes `.lock` only while it is still the file this process created (same inode, our token or
 *   no readable owner).
 */
export function lockDataDir(dataDir: string, purpose: string): DataDirLock {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, '.lock');
  const mine: LockHolder = {
    pid: process.pid,
    host: os.hostname(),
    purpose,
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const created = createExclusively(lockPath, mine);
    if (created !== null) return heldLock(lockPath, created, mine.token);
    const holder = readHolder(lockPath);
    if (holder === 'missing') continue; // released between our attempt and our read: try again
    if (holder === 'unreadable') throw unreadableLockError(dataDir, lockPath);
    if (!isStale(holder)) throw lockedError(dataDir, holder);
    removeStaleLock(lockPath, holder);
  }
  throw new DataDirLockedError(
    `Could not lock DATA_DIR ${path.resolve(dataDir)}: other processes keep taking it; try again`,
  );
}

/** Writes `holder` to a temporary file and links it to `target`; the inode on success, null when `target` exists. */
function createExclusively(target: string, holder: LockHolder): number | null {
  const temporary = `${target}.${holder.pid}.${randomUUID()}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(holder), { flag: 'wx' });
  try {
    fs.linkSync(temporary, target);
    return fs.statSync(temporary).ino;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

function heldLock(lockPath: string, inode: number, token: string): DataDirLock {
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      if (isStillOurs(lockPath, inode, token)) fs.rmSync(lockPath, { force: true });
    },
  };
}

/**
 * Ours when it is the file we linked (same inode) and it does not name another owner. The inode alone is not
 * enough — a file created right after ours was removed may get its number — and the content alone is not either:
 * our own lock truncated by hand must still go when we stop.
 */
function isStillOurs(lockPath: string, inode: number, token: string): boolean {
  if (inodeOf(lockPath) !== inode) return false;
  const holder = readHolder(lockPath);
  return holder === 'unreadable' || (holder !== 'missing' && holder.token === token);
}

function readHolder(lockPath: string): LockHolder | 'missing' | 'unreadable' {
  let text: string;
  try {
    text = fs.readFileSync(lockPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return 'unreadable';
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) return 'unreadable';
    return {
      pid: parsed.pid,
      // Locks written before the host was recorded came from this host's embedded server.
      host: typeof parsed.host === 'string' ? parsed.host : os.hostname(),
      purpose: String(parsed.purpose ?? 'unknown'),
      since: String(parsed.since ?? 'unknown'),
      token: String(parsed.token ?? ''),
    };
  } catch {
    return 'unreadable';
  }
}

function isStale(holder: LockHolder): boolean {
  return holder.host === os.hostname() && !isAlive(holder.pid);
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

/**
 * Removes `.lock` if it is still the stale lock we read, under the takeover lock. Anyone who cannot take the
 * takeover lock just tries again: the holder is about to finish, one way or the other.
 */
function removeStaleLock(lockPath: string, stale: LockHolder): void {
  const takeoverPath = `${lockPath}.takeover`;
  const takeover: LockHolder = {
    ...stale,
    pid: process.pid,
    host: os.hostname(),
    purpose: 'takeover',
    since: new Date().toISOString(),
    token: randomUUID(),
  };
  const inode = createExclusively(takeoverPath, takeover);
  if (inode === null) {
    removeAbandonedTakeover(takeoverPath);
    return;
  }
  try {
    const current = readHolder(lockPath);
    if (
      current !== 'missing' &&
      current !== 'unreadable' &&
      current.token === stale.token &&
      current.pid === stale.pid
    ) {
      fs.rmSync(lockPath, { force: true });
    }
  } finally {
    if (isStillOurs(takeoverPath, inode, takeover.token)) fs.rmSync(takeoverPath, { force: true });
  }
}

/** A takeover lock left by a process that died during its few milliseconds of takeover. */
function removeAbandonedTakeover(takeoverPath: string): void {
  try {
    if (Date.now() - fs.statSync(takeoverPath).mtimeMs > TAKEOVER_STALE_MS) fs.rmSync(takeoverPath, { force: true });
  } catch {
    // Gone already: the next attempt will see.
  }
}

function inodeOf(file: string): number | null {
  try {
    return fs.statSync(file).ino;
  } catch {
    return null;
  }
}

function lockedError(dataDir: string, holder: LockHolder): DataDirLockedError {
  const where =
    holder.host === os.hostname() ? `process ${holder.pid}` : `process ${holder.pid} on host ${holder.host}`;
  return new DataDirLockedError(
    `DATA_DIR ${path.resolve(dataDir)} is in use by ${where} (${holder.purpose}, since ${holder.since}). ` +
      'Embedded PGlite allows one process at a time: stop that process and run this command again, or point ' +
      'EVENT_STORE_URL and DATABASE_URL at a PostgreSQL server to run CLI commands while the service runs.' +
      (holder.host === os.hostname()
        ? ''
        : ' A lock from another host is never taken over automatically: if that process is gone, delete the .lock file.'),
  );
}

function unreadableLockError(dataDir: string, lockPath: string): DataDirLockedError {
  return new DataDirLockedError(
    `DATA_DIR ${path.resolve(dataDir)} is locked, but ${lockPath} cannot be read (empty or damaged), so its owner ` +
      'cannot be checked. If no process uses this DATA_DIR (check with ps), delete that file and run this command again.',
  );
}
