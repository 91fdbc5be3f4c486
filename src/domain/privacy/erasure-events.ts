import { z } from 'zod';
import { definitionsOf, type EventDefinition } from '../event-catalogue.ts';
import type { EventOf } from '../event-of.ts';

/** `user:<uuid>`, `home:<uuid>`, `gateway:<uuid>`: whose data key (ids only, never personal data). */
export const DATA_KEY_ID_PATTERN = /^(user|home|gateway):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const dataKeyId = z.string().regex(DATA_KEY_ID_PATTERN, 'must be user:, home: or gateway: and a uuid');
const id = z.string().uuid();

/** The id of a subject's data key, as the writer path names it in sealed values. */
export const dataKeyIdOf = (kind: 'user' | 'home' | 'gateway', id: string) => `${kind}:${id}`;

export const ERASURE_REASONS = ['account_deleted', 'home_deleted'] as const;

/**
 * Crypto-shredding, as an event: these data keys are destroyed, so every personal value sealed under them reads
 * "[erased]" from now on. Recorded on the stream of what was deleted (`user-<id>` with `user_id`, `home-<id>` with
 * `home_id`); names ids only.
 */
export const erasureEventSchemas = {
  PersonalDataErased: z
    .object({
      key_ids: z.array(dataKeyId).min(1).max(10_000),
      reason: z.enum(ERASURE_REASONS),
      user_id: id.optional(),
      home_id: id.optional(),
    })
    .strict(),
};

export type ErasureEvent = EventOf<typeof erasureEventSchemas>;

export const erasureEventDefinitions: EventDefinition[] = definitionsOf(erasureEventSchemas, 'personal data erasure');
