import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, inject } from 'vitest';
import { startServer, type RunningServer } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { cliArgs } from './cli-process.ts';
import { freePort } from './free-port.ts';
import { MovableClock } from './movable-clock.ts';
import { untilReady } from './serve-node.ts';

/**
 * One PGlite DATA_DIR that servers take turns on: a child `serve` process that kills itself (SIGKILL) after its
 * Nth append (FAULT_EXIT_AFTER_APPENDS), and in-process servers that restart on what it left behind, with a
 * movable clock so a test moves past the grace period of abandoned claims instead of sleeping. After a crash that
 * clock stands still at the moment the child was gone, so "within the grace period" holds however slowly the
 * restart and the requests run (a loaded machine), and `advance(GRACE_MS)` always passes it.
 */
export class CrashHarness {
  /** Long, so that a restarted server still sees a half-done state until the test moves its clock. */
  static readonly GRACE_MS = 60_000;
  readonly dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-crash-'));
  /** When the last crashed child was seen gone: the restarted servers' clock stands there. */
  private crashedAt: Date | null = null;
  private readonly env: Record<string, string> = {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    DATA_DIR: this.dataDir,
    JWT_SECRET: 'crash-test-secret-that-is-long-enough-0123456789',
    SCRYPT_LOG_N: '4',
    READ_YOUR_WRITES_TIMEOUT_MS: '20000',
    ABANDONED_CLAIM_GRACE_MS: String(CrashHarness.GRACE_MS),
    LOG_LEVEL: 'silent',
  };

  constructor() {
    fs.cpSync(inject('pgliteTemplateDir'), path.join(this.dataDir, 'pglite'), { recursive: true });
  }

  /**
   * Runs `use` against an in-process server on the directory, then stops it. `clockStoppedAt`: where its clock
   * stands instead of the last crash (a claim the crashed command did not make ages from when it was made).
   */
  async restarted<T>(
    use: (url: string, clock: MovableClock, server: RunningServer) => Promise<T>,
    options: { clockStoppedAt?: Date } = {},
  ): Promise<T> {
    const stoppedAt = options.clockStoppedAt ?? this.crashedAt;
    const clock = stoppedAt === null ? new MovableClock() : MovableClock.stopped(stoppedAt);
    const config = loadConfig({ ...this.env, PORT: '0' });
    const server: RunningServer = await startServer(config, createLogger(config.LOG_LEVEL), { clock: clock.now });
    try {
      return await use(server.url, clock, server);
    } finally {
      await server.close();
    }
  }

  /**
   * Starts a child server that dies right after its `appends`th append, sends it `request` (which must make it
   * die: the request gets no answer), and waits until it is gone.
   */
  async crashDuring(appends: number, request: (url: string) => Promise<unknown>): Promise<void> {
    const port = await freePort();
    const child = spawn(process.execPath, cliArgs('serve'), {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env: {
        ...process.env,
        ...this.env,
        PORT: String(port),
        FAULT_EXIT_AFTER_APPENDS: String(appends),
        LOG_LEVEL: 'error',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    const url = `http://127.0.0.1:${port}`;
    try {
      await untilReady(
        url,
        () => child.exitCode !== null || child.signalCode !== null,
        () => output.join(''),
      );
      const answer = await request(url).then(
        (response) => ({ answered: response }),
        (error: unknown) => ({ failed: error }),
      );
      expect(answer, 'the request must die with the server').toHaveProperty('failed');
      expect(await exited, output.join('')).toBe('SIGKILL');
      this.crashedAt = new Date();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }

  dispose(): void {
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }
}
