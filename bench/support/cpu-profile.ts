import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { Session } from 'node:inspector/promises';

/**
 * Runs `work` under the V8 CPU profiler of this process and writes the profile to `file` (open it in Chrome
 * DevTools or speedscope). Only `work` is profiled, not the set-up around it (unlike `node --cpu-prof`).
 */
export async function profiled<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    fs.writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

/**
 * Runs `work` under Linux `perf record` (sampling at ~1 kHz with call graphs) of this process, or of the whole
 * machine with `everything` (the PostgreSQL backends too), and writes `file`. Unlike the V8 profiler it counts CPU
 * time, kernel and GC threads included, and drops no samples on a loaded machine; run the bench with
 * `node --perf-basic-prof` so JavaScript frames have names (`perf report -i <file>`).
 */
export async function perfRecorded<T>(file: string, everything: boolean, work: () => Promise<T>): Promise<T> {
  const target = everything ? ['-a'] : ['-p', String(process.pid)];
  const perf = spawn('perf', ['record', '-F', '997', '-g', ...target, '-o', file], { stdio: 'inherit' });
  const exited = new Promise((resolve) => perf.once('exit', resolve));
  await new Promise((resolve) => setTimeout(resolve, 500)); // perf attaches before the work starts
  try {
    return await work();
  } finally {
    perf.kill('SIGINT');
    await exited;
  }
}
