/**
 * What the HTTP audit endpoint never shows: password hashes, secret digests and anything hash-like in event data
 * (`password_hash`, `secret_digest`, any `*_digest`, any field with `hash` in its name), at any depth. The CLI
 * export keeps them: it is for auditors with access to the store, and the hash chain covers them.
 */
export function isSecretDerivedField(key: string): boolean {
  const lower = key.toLowerCase();
  return lower.endsWith('_digest') || lower === 'digest' || lower.includes('hash');
}

export function redactEventData(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactEventData);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !isSecretDerivedField(key))
      .map(([key, inner]) => [key, redactEventData(inner)]),
  );
}
