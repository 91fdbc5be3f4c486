import type { ChildProcess } from 'node:child_process';
import { setTimeout as delay } from 'node:timers/promises';

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
