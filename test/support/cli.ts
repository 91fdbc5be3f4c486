import { PassThrough } from 'node:stream';
import type { CliIo } from '../../src/cli/cli-context.ts';
import { loadConfig, type Config } from '../../src/config.ts';

/** In-process CLI output: collects what a command writes to stdout and stderr. */
export function captureIo(): CliIo & { output(): string; errors(): string } {
  const out = new PassThrough();
  const err = new PassThrough();
  const outChunks: Buffer[] = [];
  const errChunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => outChunks.push(chunk));
  err.on('data', (chunk: Buffer) => errChunks.push(chunk));
  return {
    out,
    err,
    interactive: false,
    output: () => Buffer.concat(outChunks).toString('utf8'),
    errors: () => Buffer.concat(errChunks).toString('utf8'),
  };
}

/** The configuration a CLI command run against a test server's stores would see. */
export function cliConfig(env: Record<string, string>): Config {
  return loadConfig({ ...env, LOG_LEVEL: 'silent', PORT: '0' });
}
