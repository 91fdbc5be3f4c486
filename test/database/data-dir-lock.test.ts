import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { DataDirLockedError, lockDataDir } from '../../src/database/data-dir-lock.ts';
import { createLogger } from '../../src/logger.ts';
import { openStores } from '../../src/stores.ts';
import { startTestServer } from '../support/test-server.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-lock-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const lockFile = () => path.join(dataDir, '.lock');

/** The pid of a process that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the DATA_DIR lock', () => {
  it("two processes cannot open one DATA_DIR when the running one's .lock was truncated", async () => {
    const server = await startTestServer('pglite');
    try {
      fs.truncateSync(path.join(server.dataDir, '.lock'), 0);
      const config = loadConfig({ ...server.env, LOG_LEVEL: 'silent' });
      const second = openStores(config, createLogger('silent'), 'serve');
      await expect(second).rejects.toThrow(DataDirLockedError);
      await expect(second).rejects.toThrow(/cannot be read/);
      expect(fs.existsSync(path.join(server.dataDir, '.lock'))).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('is never empty: the lock file appears with its owner in it', () => {
    const lock = lockDataDir(dataDir, 'serve');
    try {
      const holder = JSON.parse(fs.readFileSync(lockFile(), 'utf8')) as { pid: number; host: string };
      expect(holder).toMatchObject({ pid: process.pid, host: os.hostname() });
      expect(fs.readdirSync(dataDir)).toEqual(['.lock']);
    } finally {
      lock.release();
    }
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  it('a lock whose pid is dead is taken over', () => {
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({
        pid: deadPid(),
        host: os.hostname(),
        purpose: 'serve',
        since: '2020-01-01T00:00:00Z',
        token: 'old',
      }),
    );
    const lock = lockDataDir(dataDir, 'serve');
    expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });

  it('a lock from another host is never taken over automatically', () => {
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({
        pid: deadPid(),
        host: 'another-host.example',
        purpose: 'serve',
        since: '2020-01-01T00:00:00Z',
        token: 'x',
      }),
    );
    expect(() => lockDataDir(dataDir, 'serve')).toThrow(/another-host\.example/);
    expect(fs.existsSync(lockFile())).toBe(true);
  });

  it('a lock whose owner is alive is never deleted', () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      fs.writeFileSync(
        lockFile(),
        JSON.stringify({ pid: child.pid, host: os.hostname(), purpose: 'serve', since: 'now', token: 't' }),
      );
      expect(() => lockDataDir(dataDir, 'migrate')).toThrow(new RegExp(`in use by process ${child.pid}`));
      expect(JSON.parse(fs.readFileSync(lockFile(), 'utf8')).pid).toBe(child.pid);
    } finally {
      child.kill();
    }
  });

  it('stopping a process removes only its own lock, not one that replaced it', () => {
    const lock = lockDataDir(dataDir, 'serve');
    fs.rmSync(lockFile());
    const other = JSON.stringify({
      pid: process.pid,
      host: os.hostname(),
      purpose: 'other',
      since: 'now',
      token: 'other',
    });
    fs.writeFileSync(lockFile(), other);
    lock.release();
    expect(fs.readFileSync(lockFile(), 'utf8')).toBe(other);
  });

  it('N simultaneous lockDataDir calls in separate processes: exactly one wins', async () => {
    // Also over a stale lock, so the takeover path races too.
    fs.writeFileSync(
      lockFile(),
      JSON.stringify({ pid: deadPid(), host: os.hostname(), purpose: 'serve', since: 'then', token: 'dead' }),
    );
    const contenders = Array.from({ length: 8 }, () => startContender(dataDir));
    try {
      await Promise.all(contenders.map((contender) => contender.next()));
      for (const contender of contenders) contender.child.stdin.write('go\n');
      const outcomes = await Promise.all(contenders.map((contender) => contender.next()));
      expect(outcomes.filter((outcome) => outcome === 'won')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'refused')).toHaveLength(contenders.length - 1);
    } finally {
      await Promise.all(contenders.map((contender) => contender.end()));
    }
    expect(fs.existsSync(lockFile())).toBe(false);
  });
});

function startContender(dir: string) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [
    '--import',
    'tsx',
    path.join(import.meta.dirname, 'lock-contender.ts'),
    dir,
  ]);
  const lines = createInterface({ input: child.stdout });
  const queue: string[] = [];
  const waiting: Array<(line: string) => void> = [];
  lines.on('line', (line) => (waiting.length > 0 ? waiting.shift()!(line) : queue.push(line)));
  return {
    child,
    next: () => new Promise<string>((resolve) => (queue.length > 0 ? resolve(queue.shift()!) : waiting.push(resolve))),
    end: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}
