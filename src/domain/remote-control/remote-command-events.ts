import { z } from 'zod';
import { definitionsOf, type EventDefinition, type EventOf } from '../event-catalogue.ts';

const id = z.string().uuid();
const at = z.string().datetime();
const json = z.record(z.string(), z.unknown());
const errorDetail = z.object({ code: z.string(), message: z.string() }).strict();

/**
 * Events of `remote_command-<id>`: one command sent to one device through the home's gateway.
 * issued → dispatched (sent on a session; again on a later session if unacked) → succeeded | failed | timed_out |
 * expired; an ack after the end is recorded as late, never applied twice.
 */
export const remoteCommandEventSchemas = {
  RemoteCommandIssued: z
    .object({
      command_id: id,
      gateway_id: id,
      home_id: id,
      device_id: z.string().min(1).max(200),
      action: z.string().min(1).max(100),
      params: json,
      issued_by: id,
      issued_at: at,
      /** How long to wait for the ack once sent. */
      timeout_s: z.number().int().min(1).max(60),
      /** How long the command may wait for an offline gateway; 0 = never queued. */
      ttl_s: z.number().int().min(0).max(172_800),
      expires_at: at.nullable(),
      /** sha-256 of the request's defining fields: a retry with the same id must carry the same body. */
      fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
    })
    .strict(),
  RemoteCommandDispatched: z
    .object({
      command_id: id,
      gateway_id: id,
      home_id: id,
      session_id: id,
      node_id: z.string(),
      dispatched_at: at,
      attempt: z.number().int().min(1),
    })
    .strict(),
  RemoteCommandSucceeded: z
    .object({ command_id: id, gateway_id: id, home_id: id, result: z.unknown().optional(), completed_at: at })
    .strict(),
  RemoteCommandFailed: z
    .object({ command_id: id, gateway_id: id, home_id: id, error: errorDetail, completed_at: at })
    .strict(),
  RemoteCommandTimedOut: z
    .object({ command_id: id, gateway_id: id, home_id: id, timeout_s: z.number(), completed_at: at })
    .strict(),
  RemoteCommandExpired: z
    .object({ command_id: id, gateway_id: id, home_id: id, expires_at: at, completed_at: at })
    .strict(),
  RemoteCommandLateAckRecorded: z
    .object({
      command_id: id,
      gateway_id: id,
      home_id: id,
      /** The status the command had already reached when the ack came. */
      final_status: z.enum(['succeeded', 'failed', 'timed_out', 'expired']),
      ack_status: z.enum(['ok', 'error']),
      result: z.unknown().optional(),
      error: errorDetail.optional(),
      received_at: at,
    })
    .strict(),
};

export type RemoteCommandEvent = EventOf<typeof remoteCommandEventSchemas>;
export type RemoteCommandEventType = keyof typeof remoteCommandEventSchemas;

/** The events that end a command (what a waiting request follows). */
export const REMOTE_COMMAND_OUTCOME_TYPES = [
  'RemoteCommandSucceeded',
  'RemoteCommandFailed',
  'RemoteCommandTimedOut',
  'RemoteCommandExpired',
] as const satisfies readonly RemoteCommandEventType[];

export const REMOTE_COMMAND_EVENT_TYPES = Object.keys(remoteCommandEventSchemas) as RemoteCommandEventType[];

export const remoteCommandStream = (commandId: string) => `remote_command-${commandId}`;

export const remoteCommandEventDefinitions: EventDefinition[] = definitionsOf(
  remoteCommandEventSchemas as unknown as Record<string, EventDefinition['schema']>,
  'remote command to a device through the home gateway',
);
