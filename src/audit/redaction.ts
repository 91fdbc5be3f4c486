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

/**
 * A copy of `value` without secret-derived fields and values. Iterative (an explicit work list, never recursion):
 * event data read back from the log may be nested deeper than any call stack allows, and one such event must not
 * stop the audit projection. Keys are defined as own data properties (a `__proto__` key stays a key, as
 * Object.fromEntries made it); a value met twice is copied once, so a cycle cannot loop.
 */
export function redactEventData(value: unknown): unknown {
  if (!isContainer(value)) return value;
  const copies = new Map<object, unknown[] | Record<string, unknown>>();
  const root = emptyCopyOf(value);
  copies.set(value, root);
  const pending: Array<{ source: object; copy: unknown[] | Record<string, unknown> }> = [{ source: value, copy: root }];
  while (pending.length > 0) {
    const { source, copy } = pending.pop()!;
    for (const [key, inner] of keptMembers(source)) {
      let copied: unknown = inner;
      if (isContainer(inner)) {
        let existing = copies.get(inner);
        if (!existing) {
          existing = emptyCopyOf(inner);
          copies.set(inner, existing);
          pending.push({ source: inner, copy: existing });
        }
        copied = existing;
      }
      if (Array.isArray(copy)) copy.push(copied);
      else Object.defineProperty(copy, key, { value: copied, writable: true, enumerable: true, configurable: true });
    }
  }
  return root;
}

function isContainer(value: unknown): value is object {
  return value !== null && typeof value === 'object';
}

function emptyCopyOf(container: object): unknown[] | Record<string, unknown> {
  return Array.isArray(container) ? [] : {};
}

/** Array items that are not secret-derived values; object entries whose key and value are not secret-derived. */
function keptMembers(container: object): Array<[string, unknown]> {
  if (Array.isArray(container)) {
    return container.filter((item) => !isSecretDerivedValue(item)).map((item, index) => [String(index), item]);
  }
  return Object.entries(container as Record<string, unknown>).filter(
    ([key, inner]) => !isSecretDerivedField(key) && !isSecretDerivedValue(inner),
  );
}
