import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { cliArgs } from '../support/cli-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SECRET = 'the-real-jwt-secret-for-this-test-0123456789';

interface Finished {
  code: number | null;
  stderr: string;
}

/** Runs `serve` from the sources with only `env` (plus PATH) and waits for it to end. */
function serve(env: Record<string, string>): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs('serve'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', LOG_LEVEL: 'silent', SCRYPT_LOG_N: '4', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stderr }));
  });
}

/** A DATA_DIR holding a copy of the initialised PGlite template (initdb under WASM takes seconds). */
function dataDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-startup-'));
  fs.cpSync(inject('pgliteTemplateDir'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

function expectOneLine(result: Finished, ...expected: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^smarthome-cloud: /);
  for (const text of expected) expect(lines[0]).toContain(text);
  expect(result.stderr).not.toContain('    at ');
}

describe('start-up failures an operator can fix: one line, exit code 2, no secret', () => {
  const dirs: string[] = [];
  const freshDataDir = () => {
    const dir = dataDir();
    dirs.push(dir);
    return dir;
  };
  let occupant: net.Server;
  let busyPort: number;
  beforeAll(async () => {
    occupant = net.createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    busyPort = (occupant.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => occupant?.close(resolve));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a busy port gives one line naming the address', async () => {
    const result = await serve({
      DATA_DIR: freshDataDir(),
      HOST: '127.0.0.1',
      PORT: String(busyPort),
      JWT_SECRET: SECRET,
    });
    expectOneLine(result, 'port in use', `127.0.0.1:${busyPort}`);
  });

  it('an event store that refuses connections gives one line naming EVENT_STORE_URL, password masked', async () => {
    const result = await serve({
      DATA_DIR: freshDataDir(),
      PORT: '0',
      JWT_SECRET: SECRET,
      EVENT_STORE_URL: 'postgres://app:pg-password-123@127.0.0.1:1/x',
    });
    expectOneLine(result, 'store unreachable', 'EVENT_STORE_URL=postgres://app:***@127.0.0.1:1/x');
    expect(result.stderr).not.toContain('pg-password-123');
  });

  it.skipIf(!process.env.TEST_DATABASE_URL)(
    'a database that does not exist on the server gives one line naming the variable',
    async () => {
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/no_such_database_${randomUUID().slice(0, 8)}`;
      const result = await serve({ DATA_DIR: freshDataDir(), PORT: '0', JWT_SECRET: SECRET, DATABASE_URL: url.href });
      expectOneLine(result, 'database does not exist', 'DATABASE_URL=');
    },
  );

  it('a short JWT_SECRET gives one line naming it, without echoing it', async () => {
    const result = await serve({ DATA_DIR: freshDataDir(), PORT: '0', JWT_SECRET: 'short-jwt-secret' });
    expectOneLine(result, 'JWT_SECRET');
    expect(result.stderr).not.toContain('short-jwt-secret');
  });

  describe('JWT_PRIVATE_KEY_FILE (read before any store opens)', () => {
    // No PGlite copy: start-up stops before a store is opened.
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-key-files-'));
    afterAll(() => fs.rmSync(keyDir, { recursive: true, force: true }));
    const serveWithKey = (file: string) =>
      serve({ DATA_DIR: keyDir, PORT: '0', JWT_SECRET: SECRET, JWT_PRIVATE_KEY_FILE: file });

    it('an unreadable file gives one line naming the variable and the file', async () => {
      const missing = path.join(keyDir, 'no-such-key.pem');
      expectOneLine(await serveWithKey(missing), 'JWT_PRIVATE_KEY_FILE', missing, 'cannot be read (ENOENT)');
    });

    it('a file that holds no PEM private key gives one line, without its content', async () => {
      const notAKey = path.join(keyDir, 'not-a-key.pem');
      const body = 'c2VjcmV0LWtleS1tYXRlcmlhbC10aGF0LWlzLWJyb2tlbg==';
      fs.writeFileSync(notAKey, `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`);
      const result = await serveWithKey(notAKey);
      expectOneLine(
        result,
        'JWT_PRIVATE_KEY_FILE',
        'not a PEM Ed25519 private key',
        'openssl genpkey -algorithm ed25519',
      );
      expect(result.stderr).not.toContain(body);
    });

    it('a key of another type gives one line naming the type, without the key', async () => {
      const rsa = path.join(keyDir, 'rsa.pem');
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      fs.writeFileSync(rsa, privateKey.export({ format: 'pem', type: 'pkcs8' }));
      const result = await serveWithKey(rsa);
      expectOneLine(result, 'JWT_PRIVATE_KEY_FILE', 'holds a rsa key; only Ed25519');
      expect(result.stderr).not.toContain('BEGIN');
    });
  });

  it('an unexpected failure keeps its stack and exits 1', async () => {
    // A DATA_DIR that is a file: not an operator mistake this CLI recognises, so the stack stays for the report.
    const file = path.join(freshDataDir(), 'a-file');
    fs.writeFileSync(file, '');
    const result = await serve({ DATA_DIR: file, PORT: '0', JWT_SECRET: SECRET });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('    at ');
  });
});
