import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import type { JwtKeyMaterial } from '../api/auth/jwt-keys.ts';
import { ConfigError, type Config } from '../config.ts';

/** A PEM Ed25519 key is about 120 bytes; anything far larger is not one (and is not read into memory). */
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * The Ed25519 keys of JWT_PRIVATE_KEY_FILE and JWT_PREVIOUS_PUBLIC_KEY_FILES, or undefined when neither is set
 * (tokens are HS256). A file that cannot be read or holds no Ed25519 key stops start-up with a ConfigError that
 * names the variable and the path, never the file's content.
 */
export function loadEd25519Keys(config: Config): JwtKeyMaterial['ed25519'] {
  const previousFiles = config.JWT_PREVIOUS_PUBLIC_KEY_FILES;
  if (config.JWT_PRIVATE_KEY_FILE === undefined && previousFiles.length === 0) return undefined;
  if (config.JWT_PRIVATE_KEY_FILE === undefined) {
    throw new ConfigError(
      'Invalid configuration: JWT_PREVIOUS_PUBLIC_KEY_FILES needs JWT_PRIVATE_KEY_FILE (the current key that signs)',
    );
  }
  const previousPublicKeys = previousFiles.map((file) =>
    ed25519Key('JWT_PREVIOUS_PUBLIC_KEY_FILES', file, 'public or private key', readPublicKey),
  );
  const privateKey = ed25519Key('JWT_PRIVATE_KEY_FILE', config.JWT_PRIVATE_KEY_FILE, 'private key (PKCS#8)', (pem) =>
    createPrivateKey({ key: pem, format: 'pem' }),
  );
  return { privateKey, previousPublicKeys };
}

/** A public key (SPKI) or a private key (its public half): the retired private key file may be listed as it is. */
function readPublicKey(pem: Buffer): KeyObject {
  return createPublicKey({ key: pem, format: 'pem' });
}

function ed25519Key(variable: string, file: string, kind: string, parse: (pem: Buffer) => KeyObject): KeyObject {
  const where = `${variable} (${JSON.stringify(file)})`;
  const pem = readKeyFile(where, file);
  let key: KeyObject;
  try {
    key = parse(pem);
  } catch {
    // OpenSSL's message says nothing the operator needs, and the content must not reach the log.
    throw new ConfigError(
      `Invalid configuration: ${where} is not a PEM Ed25519 ${kind}; make one with: openssl genpkey -algorithm ed25519`,
    );
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError(
      `Invalid configuration: ${where} holds a ${String(key.asymmetricKeyType)} key; only Ed25519 is supported (openssl genpkey -algorithm ed25519)`,
    );
  }
  return key;
}

function readKeyFile(where: string, file: string): Buffer {
  try {
    if (fs.statSync(file).size > MAX_KEY_FILE_BYTES) {
      throw new ConfigError(`Invalid configuration: ${where} is larger than 64 KiB; it is not a PEM key`);
    }
    return fs.readFileSync(file);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as { code?: unknown }).code;
    throw new ConfigError(`Invalid configuration: ${where} cannot be read (${String(code ?? 'unknown error')})`);
  }
}
