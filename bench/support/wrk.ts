import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LoadOptions, LoadResult } from './http-load.ts';

const run = promisify(execFile);

/** wrk's threads (`-t`): one per core of the 2-core VM the figures come from; BENCH_WRK_THREADS overrides. */
const THREADS = Number(process.env.BENCH_WRK_THREADS ?? 2);

/** `wrk` on PATH, or null. */
export function wrkPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'wrk');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

/**
 * A wrk script whose requests carry the given bearer tokens in turn (each thread rotates through all of them).
 * The requests are formatted once in `init`, so wrk's own Lua cost per request is a table lookup.
 */
export function rotatingTokensScript(tokens: string[]): string {
  for (const token of tokens) if (!/^[\w.-]+$/.test(token)) throw new Error('a token is not a JWT');
  return [
    `local tokens = { ${tokens.map((token) => `"${token}"`).join(', ')} }`,
    'local requests = {}',
    'local turn = 0',
    'function init(args)',
    '  for i, token in ipairs(tokens) do',
    '    requests[i] = wrk.format(nil, nil, { Host = wrk.headers["Host"], Authorization = "Bearer " .. token })',
    '  end',
    'end',
    'function request()',
    '  turn = turn % #requests + 1',
    '  return requests[turn]',
    'end',
    '',
  ].join('\n');
}

const TIME_UNITS_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function latencyMs(output: string, percentile: '50%' | '99%'): number {
  const match = new RegExp(`^\\s*${percentile}\\s+([\\d.]+)(us|ms|s|m|h)\\s*$`, 'm').exec(output);
  if (!match) throw new Error(`wrk printed no ${percentile} latency:\n${output}`);
  return Number(match[1]) * TIME_UNITS_MS[match[2]!]!;
}

/**
 * Req/s, p50 and p99 from `wrk --latency`'s report. Throws when wrk counted a non-2xx/3xx answer or a socket
 * error (connect, read, write, timeout): a figure made of failures is not a throughput.
 */
export function parseWrkReport(output: string): Omit<LoadResult, 'generator'> {
  const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  if (errors && errors.slice(1).some((count) => count !== '0')) throw new Error(`wrk: ${errors[0]}`);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  if (non2xx) throw new Error(`wrk: ${non2xx[0]}`);
  const rate = /^Requests\/sec:\s+([\d.]+)\s*$/m.exec(output);
  if (!rate) throw new Error(`wrk printed no Requests/sec:\n${output}`);
  return { rate: Number(rate[1]), p50: latencyMs(output, '50%'), p99: latencyMs(output, '99%') };
}

/** One wrk run (`-t THREADS -c connections --latency`, a 30 s request timeout) with the tokens in turn. */
export async function wrkLoad(wrk: string, options: LoadOptions): Promise<LoadResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-wrk-'));
  const script = path.join(dir, 'tokens.lua');
  fs.writeFileSync(script, rotatingTokensScript(options.tokens));
  try {
    const threads = Math.min(THREADS, options.connections);
    const { stdout } = await run(wrk, [
      ...['-t', String(threads), '-c', String(options.connections), '-d', `${options.seconds}s`],
      ...['--timeout', '30s', '--latency', '-s', script, options.url],
    ]);
    return { ...parseWrkReport(stdout), generator: `wrk -t${threads}` };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
