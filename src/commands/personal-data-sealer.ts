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

/** Envelopes remembered per key and session before the memo is started afresh (a key sees few sessions at once). */
const MAX_SESSION_ENVELOPES = 64;

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
 *
 * Within one gateway session (metadata `gateway_session_id`) a value is sealed once and its envelope reused: every
 * state frame carries the session's address and user agent, and sealing them per frame cost two AES-GCM
 * encryptions per frame (and its readers two decryptions). A reused envelope tells a reader of the sealed log only
 * that two events of one session carry the same value, which the session id in the clear says already. The memo
 * hangs on the key object the key store handed out, so a destroyed key (null: "[erased]") or a key loaded again
 * never meets an envelope made before.
 */
export class PersonalDataSealer {
  private readonly sessionEnvelopes = new WeakMap<Buffer, Map<string, string>>();

  constructor(private readonly keys: DataKeys) {}

  async seal(event: UnsealedEvent, actor: Actor): Promise<UnsealedEvent> {
    const policy = PERSONAL_FIELDS[event.type];
    const session = typeof event.metadata.gateway_session_id === 'string' ? event.metadata.gateway_session_id : null;
    const data = policy
      ? await this.sealFields(event.data, policy.fields, policy.subject(event.data, actor), session)
      : event.data;
    const metadata = await this.sealFields(
      event.metadata,
      PERSONAL_METADATA_FIELDS,
      metadataSubject(actor, event.type, event.data),
      session,
    );
    return data === event.data && metadata === event.metadata ? event : { ...event, data, metadata };
  }

  private async sealFields(
    part: JsonObject,
    fields: readonly string[],
    subject: DataSubject | null,
    session: string | null,
  ): Promise<JsonObject> {
    if (subject === null || !UUID.test(subject.id) || !fields.some((field) => typeof part[field] === 'string'))
      return part;
    const keyId = dataKeyId(subject.kind, subject.id);
    const key = await this.keys.keyFor(keyId);
    const sealed = { ...part };
    for (const field of fields) {
      const value = part[field];
      if (typeof value !== 'string') continue;
      if (key === null) sealed[field] = ERASED;
      else if (session === null) sealed[field] = sealValue(value, keyId, key);
      else sealed[field] = this.sealedInSession(value, keyId, key, session);
    }
    return sealed;
  }

  private sealedInSession(value: string, keyId: string, key: Buffer, session: string): string {
    let envelopes = this.sessionEnvelopes.get(key);
    if (envelopes === undefined || envelopes.size >= MAX_SESSION_ENVELOPES) {
      envelopes = new Map();
      this.sessionEnvelopes.set(key, envelopes);
    }
    const memoKey = `${keyId}\u0000${session}\u0000${value}`;
    let envelope = envelopes.get(memoKey);
    if (envelope === undefined) {
      envelope = sealValue(value, keyId, key);
      envelopes.set(memoKey, envelope);
    }
    return envelope;
  }
}
