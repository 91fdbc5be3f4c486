import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * Node arguments that run the CLI from its TypeScript sources through tsx, never from dist/ (which is what
 * `bin/smarthome-cloud.js` runs): a stale build must not hide the change under test.
 * Use as `spawn(process.execPath, cliArgs('serve'), { cwd: ROOT, ... })`.
 */
export function cliArgs(...args: string[]): string[] {
  return ['--import', 'tsx', path.join(ROOT, 'src', 'cli', 'main.ts'), ...args];
}
