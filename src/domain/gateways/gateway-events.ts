import { z } from 'zod';
import { definitionsOf, type EventDefinition } from '../event-catalogue.ts';
import type { EventOf } from '../event-of.ts';
import { gatewayVersionProblem } from './gateway-version.ts';

const id = z.string().uuid();
const name = z.string().min(1).max(150);
/**
 * An HMAC-SHA-256 of the secret under the server's key, hex, tagged with its algorithm. A plaintext secret
 * (base64url) can never pass for one, so it cannot reach the log by mistake.
 */
export const SECRET_DIGEST_PATTERN = /^hmac-sha256:[0-9a-f]{64}$/;
const secretDigest = z.string().regex(SECRET_DIGEST_PATTERN, 'must be an hmac-sha256 digest');
const version = z.string().superRefine((value, ctx) => {
  const problem = gatewayVersionProblem(value);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
});

/** Events of `gateway-<id>`: its lifecycle. Telemetry lives elsewhere, so loading a gateway stays cheap. */
export const gatewayEventSchemas = {
  /** `version`: the gateway software's version, when it reported one (the field edge does at pairing). */
  GatewayProvisioned: z
    .object({
      gateway_id: id,
      home_id: id,
      name,
      secret_digest: secretDigest,
      via: z.enum(['provision', 'pairing']),
      version: version.optional(),
    })
    .strict(),
  GatewayRenamed: z.object({ gateway_id: id, name, previous_name: name }).strict(),
  GatewaySecretRotated: z.object({ gateway_id: id, secret_digest: secretDigest }).strict(),
  /** `reason`: present when staff revoked it (a staff action always says why; a home's owner or admin need not). */
  GatewayRevoked: z
    .object({ gateway_id: id, home_id: id, reason: z.string().trim().min(3).max(500).optional() })
    .strict(),
  /** Soft delete: gone from every answer; the stream stays for auditors. */
  GatewayDeleted: z.object({ gateway_id: id, home_id: id }).strict(),
  /**
   * The gateway took its home's slot (or a pairing code) and its provisioning never wrote it (the process died in
   * between); after the grace period whoever met the leftover closed the id, so a late `GatewayProvisioned` is
   * refused, and then freed what it held.
   */
  GatewayProvisioningAbandoned: z.object({ gateway_id: id, home_id: id }).strict(),
};

export type GatewayEvent = EventOf<typeof gatewayEventSchemas>;

export const gatewayEventDefinitions: EventDefinition[] = definitionsOf(gatewayEventSchemas, 'gateway lifecycle');

export const gatewayStream = (gatewayId: string) => `gateway-${gatewayId}`;
