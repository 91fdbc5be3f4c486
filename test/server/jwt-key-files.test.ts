import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ed25519KeyId } from '../../src/api/auth/jwt-keys.ts';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { loadEd25519Keys } from '../../src/server/jwt-key-files.ts';

describe('the Ed25519 key files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-key-files-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string | Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const current = generateKeyPairSync('ed25519');
  const retired = generateKeyPairSync('ed25519');
  const currentFile = write('current.pem', current.privateKey.export({ format: 'pem', type: 'pkcs8' }));
  const load = (env: Record<string, string>) => loadEd25519Keys(loadConfig({ NODE_ENV: 'test', ...env }));

  it('none configured: tokens stay HS256', () => {
    expect(load({})).toBeUndefined();
  });

  it('previous keys are read from public (SPKI) or private (PKCS#8) PEM files alike', () => {
    const keys = load({
      JWT_PRIVATE_KEY_FILE: currentFile,
      JWT_PREVIOUS_PUBLIC_KEY_FILES: [
        write('retired.pub.pem', retired.publicKey.export({ format: 'pem', type: 'spki' })),
        write('retired.pem', retired.privateKey.export({ format: 'pem', type: 'pkcs8' })),
      ].join(', '),
    })!;
    expect(ed25519KeyId(keys.previousPublicKeys[0]!)).toBe(ed25519KeyId(retired.publicKey));
    expect(ed25519KeyId(keys.previousPublicKeys[1]!)).toBe(ed25519KeyId(retired.publicKey));
    expect(keys.privateKey.type).toBe('private');
  });

  it('a public key where the private key belongs is refused, naming the variable', () => {
    const publicOnly = write('public-only.pem', current.publicKey.export({ format: 'pem', type: 'spki' }));
    expect(() => load({ JWT_PRIVATE_KEY_FILE: publicOnly })).toThrow(
      new ConfigError(
        `Invalid configuration: JWT_PRIVATE_KEY_FILE (${JSON.stringify(publicOnly)}) is not a PEM Ed25519 private key (PKCS#8); make one with: openssl genpkey -algorithm ed25519`,
      ),
    );
  });

  it('an unreadable previous key file is refused, naming JWT_PREVIOUS_PUBLIC_KEY_FILES and the file', () => {
    const missing = path.join(dir, 'gone.pem');
    expect(() => load({ JWT_PRIVATE_KEY_FILE: currentFile, JWT_PREVIOUS_PUBLIC_KEY_FILES: missing })).toThrow(
      `JWT_PREVIOUS_PUBLIC_KEY_FILES (${JSON.stringify(missing)}) cannot be read (ENOENT)`,
    );
  });

  it('a file far larger than a key is refused unread', () => {
    const huge = write('huge.pem', Buffer.alloc(65 * 1024, 'A'));
    expect(() => load({ JWT_PRIVATE_KEY_FILE: huge })).toThrow('is larger than 64 KiB');
  });

  it('previous keys without a current Ed25519 key are refused', () => {
    expect(() => load({ JWT_PREVIOUS_PUBLIC_KEY_FILES: currentFile })).toThrow(
      'JWT_PREVIOUS_PUBLIC_KEY_FILES needs JWT_PRIVATE_KEY_FILE',
    );
  });
});
