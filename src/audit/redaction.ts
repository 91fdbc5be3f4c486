/**
 * What the HTTP audit endpoint never shows: password hashes, secret digests and anything secret- or hash-like in
 * event data, at any depth. Matched by field name (`password_hash`, `secret_digest`, any `*_digest`, any field with
 * `hash`, `secret`, `password` or `fingerprint` in its name) and, as a second net for fields added later under
 * an innocent name, by value (an `hmac-sha256:` digest or a scrypt-kdf hash). The CLI export keeps them: it is for
 * auditors with access to the store, and the hash chain covers them (removing them would make it unverifiable).
 *
 * The test in test/audit/redaction.test.ts walks every field of every catalogue schema, so a new secret-like
 * field that this does not cover fails CI. Pure (imports nothing): the audit read model redacts when it projects.
 */
const SECRET_NAME_PARTS = ['hash', 'secret', 'password', 'fingerprint'] as const;

export function isSecretDerivedField(key: string): boolean {
  const lower = key.toLowerCase();
  return lower.endsWith('_digest') || lower === 'digest' || SECRET_NAME_PARTS.some((part) => lower.includes(part));
}

/** A gateway-secret or pairing-code digest (`hmac-sha256:<hex>`) or a scrypt-kdf password hash ("scrypt" in base64). */
export function isSecretDerivedValue(value: unknown): boolean {
  return typeof value === 'string' && (value.startsWith('hmac-sha256:') || value.startsWith('c2NyeXB0'));
}

export function redactEventData(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((item) => !isSecretDerivedValue(item)).map(redactEventData);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key, inner]) => !isSecretDerivedField(key) && !isSecretDerivedValue(inner))
      .map(([key, inner]) => [key, redactEventData(inner)]),
  );
}
