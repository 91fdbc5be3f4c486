/**
 * The data keys an event destroys: the `key_ids` of a `PersonalDataErased` (src/domain/privacy/erasure-events.ts),
 * none for any other event. Read by whoever carries an erasure out (the request, the key_shredding follower) and
 * by the opening store, which stops using those keys as soon as it reads the erasure.
 */
export function erasedKeyIdsOf(event: { type: string; data: unknown }): string[] {
  if (event.type !== 'PersonalDataErased' || typeof event.data !== 'object' || event.data === null) return [];
  const keyIds = (event.data as { key_ids?: unknown }).key_ids;
  return Array.isArray(keyIds) ? keyIds.filter((keyId): keyId is string => typeof keyId === 'string') : [];
}
