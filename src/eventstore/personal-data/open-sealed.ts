import type { JsonObject } from '../port.ts';
import type { DataKeys } from './data-key-store.ts';
import { isSealed, openValue, sealedKeyId } from './sealed-value.ts';

/** A record's data and metadata: the parts of an event that may hold sealed personal values (top level only). */
export interface SealedParts {
  data: JsonObject;
  metadata: JsonObject;
}

/** The key ids the sealed values of these records name. */
export function sealedKeyIds(records: readonly SealedParts[]): Set<string> {
  const ids = new Set<string>();
  for (const record of records) {
    for (const part of [record.data, record.metadata]) {
      for (const value of Object.values(part)) {
        if (!isSealed(value)) continue;
        const keyId = sealedKeyId(value);
        if (keyId !== null) ids.add(keyId);
      }
    }
  }
  return ids;
}

function openPart(part: JsonObject, keys: ReadonlyMap<string, Buffer | null>): JsonObject {
  let opened: JsonObject | null = null;
  for (const [field, value] of Object.entries(part)) {
    if (!isSealed(value)) continue;
    const keyId = sealedKeyId(value);
    if (keyId === null) continue;
    opened ??= { ...part };
    opened[field] = openValue(value, keys.get(keyId) ?? null);
  }
  return opened ?? part;
}

/**
 * Opens every record's sealed values with one key-store read for the lot: plaintext, or "[erased]" where the key
 * was destroyed. Records with nothing sealed come back as they are (`changed` false).
 */
export async function openRecords<Record extends SealedParts>(
  records: readonly Record[],
  keys: DataKeys,
): Promise<Array<{ record: Record; changed: boolean }>> {
  const ids = sealedKeyIds(records);
  if (ids.size === 0) return records.map((record) => ({ record, changed: false }));
  return openRecordsWith(records, await keys.keysOf(ids));
}

/** The same with the keys in hand (`found`: every key id the records' sealed values name). */
export function openRecordsWith<Record extends SealedParts>(
  records: readonly Record[],
  found: ReadonlyMap<string, Buffer | null>,
): Array<{ record: Record; changed: boolean }> {
  return records.map((record) => {
    const data = openPart(record.data, found);
    const metadata = openPart(record.metadata, found);
    const changed = data !== record.data || metadata !== record.metadata;
    return { record: changed ? { ...record, data, metadata } : record, changed };
  });
}

/** Opens single values (a read-model column that keeps a value sealed): plaintext, "[erased]", or as it was. */
export async function openValues<Value extends string | null>(values: readonly Value[], keys: DataKeys) {
  const opened = await openRecords(
    values.map((value) => ({ data: { value }, metadata: {} })),
    keys,
  );
  return opened.map(({ record }) => record.data.value as Value);
}
