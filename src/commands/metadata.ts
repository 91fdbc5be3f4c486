import { randomUUID } from 'node:crypto';

/** `staff`: a staff member acting through the admin API (every such event also carries a reason). */
export type ActorKind = 'user' | 'staff' | 'gateway' | 'operator' | 'system' | 'anonymous';

export interface Actor {
  kind: ActorKind;
  id: string | null;
}

/**
 * Who asks, on whose behalf, from where and why: every event written for this command carries it.
 */
export interface CommandContext {
  actor: Actor;
  onBehalfOf?: Actor | undefined;
  correlationId: string;
  /** The message (request, frame or event) that caused this command. */
  causationId: string;
  requestId?: string | undefined;
  clientAddress?: string | undefined;
  userAgent?: string | undefined;
  gatewaySessionId?: string | undefined;
  now: Date;
}

/**
 * Where a system actor (the process itself: the remote-command sweeper, bridge shutdown and restart) acts from
 * and why. There is no request: `request_id` is recorded as null and `user_agent` too; `client_address` is the
 * node id (which process acted); `correlation_id` is the flow the act belongs to (the command's own correlation,
 * the bridge session) and `causation_id` what triggered it (the event that set the deadline, the session).
 */
export interface SystemOrigin {
  nodeId: string;
  correlationId?: string | undefined;
  causationId?: string | undefined;
}

export function systemContext(reason: string, origin: SystemOrigin, now = new Date()): CommandContext {
  const id = randomUUID();
  return {
    actor: { kind: 'system', id: reason },
    correlationId: origin.correlationId ?? id,
    causationId: origin.causationId ?? origin.correlationId ?? id,
    clientAddress: origin.nodeId,
    now,
  };
}

/** Derives the context of a follow-up command caused by an earlier event. */
export function causedBy(context: CommandContext, causationId: string, now = new Date()): CommandContext {
  return { ...context, causationId, now };
}

export const EVENT_METADATA_SCHEMA_VERSION = 1;

export function eventMetadata(context: CommandContext, schemaVersion: number): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    actor: context.actor,
    correlation_id: context.correlationId,
    causation_id: context.causationId,
    occurred_at: context.now.toISOString(),
    schema_version: schemaVersion,
    metadata_version: EVENT_METADATA_SCHEMA_VERSION,
  };
  // On whose behalf: the actor itself unless it acts for someone else (an operator for a user, a gateway for a home).
  metadata.on_behalf_of = context.onBehalfOf ?? context.actor;
  // Always present, null when there is none (a system actor has no request; a gateway may send no user agent),
  // so an auditor can tell "none" from "not recorded".
  metadata.request_id = context.requestId || null;
  metadata.client_address = context.clientAddress || null;
  metadata.user_agent = context.userAgent || null;
  if (context.gatewaySessionId) metadata.gateway_session_id = context.gatewaySessionId;
  return metadata;
}
