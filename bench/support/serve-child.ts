import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { cliArgs } from '../../test/support/cli-process.ts';
import { freePort } from '../../test/support/free-port.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/** Polls a child `serve` process's `/readyz` until it answers 200; rejects if the child exits or after two minutes. */
export async function untilReadyOrExit(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`serve exited before it was ready`);
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => null,
    );
    if (status === 200) return;
    await delay(100);
  }
  throw new Error('serve was not ready within two minutes');
}

export interface ServeChild {
  /** `http://127.0.0.1:<port>` */
  url: string;
  child: ChildProcess;
  /** SIGTERM, then waits for the exit (SIGKILL after 30 s). */
  stop(): Promise<void>;
}

/**
 * The server as its own process, the way it runs in production: `serve` from the CLI, so a benchmark's load
 * generator does not share the server's event loop (on 2 cores an in-process client took more than half of a
 * `GET`'s CPU). The CLI runs from its sources through tsx (`cliArgs`), like the tests: a stale dist/ must not be
 * what gets measured. The child sees only `env` (a `benchStore`'s) and what Node itself needs, as the in-process
 * server sees only `loadConfig(store.env)`: a DATABASE_URL in the caller's shell must not redirect it.
 */
export async function startServeChild(env: Record<string, string>): Promise<ServeChild> {
  const port = await freePort();
  const child = spawn(process.execPath, cliArgs('serve'), {
    cwd: ROOT,
    env: { ...nodeEnvironment(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(killer);
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilReadyOrExit(url, child);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, child, stop };
}

/** The variables Node, tsx and the shell around them need; none the server's configuration reads. */
function nodeEnvironment(): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ']) {
    const value = process.env[name];
    if (value !== undefined) kept[name] = value;
  }
  return kept;
}
