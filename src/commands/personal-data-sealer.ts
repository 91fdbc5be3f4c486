import type { JsonObject } from '../eventstore/port.ts';
import type { DataKeys } from '../eventstore/personal-data/data-key-store.ts';
import { dataKeyId, ERASED, sealValue } from '../eventstore/personal-data/sealed-value.ts';
import {
  metadataSubject,
  PERSONAL_FIELDS,
  PERSONAL_METADATA_FIELDS,
  type DataSubject,
} from '../domain/privacy/personal-fields.ts';
import type { Actor } from './metadata.ts';

/** Data keys belong to ids (users, homes, gateways are uuids); anything else has no key to be sealed under. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An event on its way to the log: validated data and stamped metadata, not yet linked into the hash chain. */
export interface UnsealedEvent {
  type: string;
  data: JsonObject;
  metadata: JsonObject;
}

/**
 * Seals an event's personal values (domain/privacy/personal-fields.ts) under their subject's data key, on the
 * writer path after the catalogue check and before the hash chain (which so covers the ciphertext). A subject
 * whose key was destroyed gets "[erased]" written instead: nothing new is kept about an erased person.
 */
export class PersonalDataSealer {
  constructor(private readonly keys: DataKeys) {}

  async seal(event: UnsealedEvent, actor: Actor): Promise<UnsealedEvent> {
    const policy = PERSONAL_FIELDS[event.type];
    const data = policy
      ? await this.sealFields(event.data, policy.fields, policy.subject(event.data, actor))
      : event.data;
    const metadata = await this.sealFields(
      event.metadata,
      PERSONAL_METADATA_FIELDS,
      metadataSubject(actor, event.type, event.data),
    );
    return data === event.data && metadata === event.metadata ? event : { ...event, data, metadata };
  }

  private async sealFields(
    part: JsonObject,
    fields: readonly string[],
    subject: DataSubject | null,
  ): Promise<JsonObject> {
    if (subject === null || !UUID.test(subject.id) || !fields.some((field) => typeof part[field] === 'string'))
      return part;
    const keyId = dataKeyId(subject.kind, subject.id);
    const key = await this.keys.keyFor(keyId);
    const sealed = { ...part };
    for (const field of fields) {
      const value = part[field];
      if (typeof value === 'string') sealed[field] = key === null ? ERASED : sealValue(value, keyId, key);
    }
    return sealed;
  }
}
