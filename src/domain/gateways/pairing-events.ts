import { z } from 'zod';
import { definitionsOf, type EventDefinition } from '../event-catalogue.ts';
import type { EventOf } from '../event-of.ts';
import { homeNameProblem } from '../homes/home-name.ts';

const id = z.string().uuid();
const isoTime = z.string().datetime({ offset: true });
const homeName = z.string().superRefine((value, ctx) => {
  const problem = homeNameProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/**
 * Events of `pairing-<digest of the code>`: the code itself never enters the log, only a keyed digest in the
 * stream name. A code is single use: redeeming it is decided on this stream.
 */
export const pairingEventSchemas = {
  /** `name`: the gateway's; `home_name`: the new home's, when the code is for no existing home (absent: default). */
  PairingRequested: z
    .object({
      home_id: id.nullable(),
      name: z.string().min(1).max(150).nullable(),
      home_name: homeName.optional(),
      requested_by: id,
      expires_at: isoTime,
    })
    .strict(),
  /** The code was presented and taken; the gateway is being provisioned. */
  PairingRedeemed: z.object({ gateway_id: id, home_id: id }).strict(),
  /** Provisioning after redemption failed: the code may be used again (until it expires). */
  PairingRedemptionFailed: z.object({ gateway_id: id, reason: z.string().max(100) }).strict(),
  PairingExpired: z.object({ expired_at: isoTime }).strict(),
};

export type PairingEvent = EventOf<typeof pairingEventSchemas>;

export const pairingEventDefinitions: EventDefinition[] = definitionsOf(pairingEventSchemas, 'gateway pairing code');

/** `codeDigest` is a keyed digest of the normalised code (hex). */
export const pairingStream = (codeDigest: string) => `pairing-${codeDigest}`;
