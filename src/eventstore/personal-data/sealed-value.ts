import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The envelope of one sealed personal value in an event: `pd1:<key id>:<base64url(iv ‖ tag ‖ ciphertext)>`,
 * AES-256-GCM under the data key `<key id>` (`user:<uuid>`, `home:<uuid>` or `gateway:<uuid>`), the key id as
 * additional data (a value cannot be moved under another person's key). Recognisable by its prefix, so a log
 * written before personal data was sealed still reads: a plaintext value passes through unchanged.
 */
export const SEALED_PREFIX = 'pd1:';
/** What a personal value reads as once its data key was destroyed (and what is written under a destroyed key). */
export const ERASED = '[erased]';

export type DataKeyKind = 'user' | 'home' | 'gateway';
const ENVELOPE = /^pd1:((?:user|home|gateway):[0-9a-f-]{36}):([A-Za-z0-9_-]+)$/;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function dataKeyId(kind: DataKeyKind, id: string): string {
  return `${kind}:${id}`;
}

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

/** The key id a sealed value names, or null when it is not an envelope. */
export function sealedKeyId(value: string): string | null {
  return ENVELOPE.exec(value)?.[1] ?? null;
}

export function sealValue(plaintext: string, keyId: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(keyId));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${keyId}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/**
 * The plaintext of an envelope. `key` null (destroyed, or never known here): ERASED. A value that only looks
 * like an envelope (a plaintext home name written before sealing, say) is returned as it is.
 */
export function openValue(value: string, key: Buffer | null): string {
  if (key === null) return ENVELOPE.test(value) ? ERASED : value;
  let opened = openedUnder.get(key);
  if (opened === undefined) {
    opened = new Map();
    openedUnder.set(key, opened);
  }
  let plaintext = opened.get(value);
  if (plaintext === undefined) {
    plaintext = decrypt(value, key);
    if (opened.size >= MAX_OPENED_PER_KEY) opened.clear();
    opened.set(value, plaintext);
  }
  return plaintext;
}

/**
 * Envelopes already opened, per key object: one gateway session's events all carry the same envelopes (see
 * PersonalDataSealer), and every reader of the log (each projection, the relay, the followers) opens them. The
 * answer for (key, envelope) never changes; a destroyed key is null (never looked up here) and a key the store
 * loads again is another object, so nothing outlives the key it was opened with.
 */
const openedUnder = new WeakMap<Buffer, Map<string, string>>();
const MAX_OPENED_PER_KEY = 32;

function decrypt(value: string, key: Buffer): string {
  const match = ENVELOPE.exec(value);
  if (!match) return value;
  const raw = Buffer.from(match[2]!, 'base64url');
  if (raw.length < IV_BYTES + TAG_BYTES) return value;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(match[1]!));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    // Not ours after all (a plaintext value shaped like an envelope): shown as written.
    return value;
  }
}
