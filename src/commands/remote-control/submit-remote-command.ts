import { createHash, randomUUID } from 'node:crypto';
import { conflict, forbidden, RetryLaterError, unavailable } from '../../domain/errors.ts';
import { can, type Role } from '../../domain/homes/roles.ts';
import { isFinal, remoteCommandDecider, type RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import { canonicalJson } from '../../eventstore/canonical-json.ts';
import type { CommandContext } from '../metadata.ts';
import type { WriteResult } from '../write-result.ts';
import { clientScopedCommandId } from './client-command-id.ts';
import { SHUTTING_DOWN, type CommandOutcomes } from './command-outcomes.ts';
import { markCommandHop } from './command-trace.ts';
import type { DispatchSession, Issued, KnownCommand, RemoteCommands } from './remote-commands.ts';

/** What the caller asks a gateway to do, validated. */
export interface RemoteCommandRequest {
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
  /** The caller's idempotency key (a UUID), when they chose one. */
  clientCommandId?: string | undefined;
  /** Wait for the outcome (up to `timeoutS`), or answer as soon as it is issued. */
  wait: boolean;
  timeoutS: number;
  ttlS: number;
}

/** The gateway as the caller sees it (from the read model): an early answer before the decider decides. */
export interface GatewayAsSeen {
  id: string;
  homeId: string;
  status: string;
  /** The caller's role in the gateway's home. */
  role: Role;
}

/** This process's side of the bridge: is the gateway's socket here, and send at once if so. */
export interface GatewayLink {
  isLocal(gatewayId: string): boolean;
  dispatchIfLocal(known: KnownCommand): boolean;
  /** Issues through `issue` with a local session to dispatch on (same append), then sends; null: not here or busy. */
  issueHere(
    gatewayId: string,
    commandId: string,
    issue: (session: DispatchSession) => Promise<Issued>,
  ): Promise<Issued | null>;
}

export interface SubmitRemoteCommandDependencies {
  remoteCommands: RemoteCommands;
  /** Where a waiting request learns a command's outcome (from any process). */
  outcomes: CommandOutcomes;
  gatewayLink: GatewayLink;
  /** Commands waiting for an offline gateway (from the read model). */
  queuedCount(gatewayId: string): Promise<number>;
  /** At most this many commands may wait for one offline gateway. */
  queueLimit: number;
  /** Read-your-writes: resolves once the read models have applied a write (bounded wait). */
  settle(write: WriteResult): Promise<void>;
}

/** Where a submitted command stands when the request answers: finished (incl. timed out) or still on its way. */
export interface Submitted {
  state: RemoteCommandState;
  finished: boolean;
}

/** How long a full offline queue asks callers to wait before trying again. */
const QUEUE_FULL_RETRY_AFTER_S = 60;

/** What makes two requests under one command id the same command (`wait` is how to answer, not what to do). */
export function requestFingerprint(gatewayId: string, request: RemoteCommandRequest): string {
  const defining = {
    gateway_id: gatewayId,
    device_id: request.deviceId,
    action: request.action,
    params: request.params,
    timeout_s: request.timeoutS,
    ttl_s: request.ttlS,
  };
  return createHash('sha256').update(canonicalJson(defining)).digest('hex');
}

/**
 * The remote-control use case behind every REST entrance (`POST /api/gateways/{id}/commands/`, the app's entity
 * control and scene run): rights, offline/queue rules, idempotency by the caller's command id, issue (and dispatch
 * here when this process holds the socket), then wait for the outcome from any process or time the command out.
 */
export class SubmitRemoteCommand {
  constructor(private readonly deps: SubmitRemoteCommandDependencies) {}

  /** `contextNow` stamps each write with the request's context at the time of writing. */
  async submit(
    gateway: GatewayAsSeen,
    userId: string,
    request: RemoteCommandRequest,
    contextNow: () => CommandContext,
  ): Promise<Submitted> {
    const { deps } = this;
    // An early answer from the read model; the decider decides again with the role from the home stream.
    if (!can(gateway.role, 'device.control'))
      throw forbidden('forbidden', `Your role (${gateway.role}) may not do device.control`);
    if (gateway.status === 'revoked') throw conflict('gateway_revoked', 'This gateway is revoked');

    // A client's id is scoped to the caller (see clientScopedCommandId): no answer depends on other users' ids.
    const commandId =
      request.clientCommandId === undefined ? randomUUID() : clientScopedCommandId(userId, request.clientCommandId);
    const context = contextNow();
    // Registered first, so an ack that beats everything below is not missed.
    const waiter = request.wait ? deps.outcomes.wait(commandId, request.timeoutS * 1000) : null;
    try {
      const existing = request.clientCommandId !== undefined ? await deps.remoteCommands.load(commandId) : null;
      const online = deps.gatewayLink.isLocal(gateway.id) || gateway.status === 'online';
      if (!existing) await this.admit(gateway.id, online, request.ttlS);
      const input = {
        commandId,
        gatewayId: gateway.id,
        homeId: gateway.homeId,
        actorId: userId,
        deviceId: request.deviceId,
        action: request.action,
        params: request.params,
        timeoutS: request.timeoutS,
        ttlS: request.ttlS,
        fingerprint: requestFingerprint(gateway.id, request),
        newId: request.clientCommandId === undefined,
      };
      // This process holds the socket: issued and dispatched in one append, and sent. Otherwise issued here and
      // dispatched by whichever process holds it (this one's lane, or another's through the subscription).
      const issuedHere = existing
        ? null
        : await deps.gatewayLink.issueHere(gateway.id, commandId, (session) =>
            deps.remoteCommands.issue(input, context, session),
          );
      const issued = issuedHere ?? (await deps.remoteCommands.issue(input, context));
      const state = issued.state;
      markCommandHop('command_appended', commandId);
      if (issued.created && online && !issued.dispatched) deps.gatewayLink.dispatchIfLocal(issued);
      if (isFinal(state.status)) return { state, finished: true };
      if (!waiter || !online) {
        await deps.settle(issued.write);
        return { state, finished: false };
      }
      const outcome = await waiter.outcome;
      if (outcome === SHUTTING_DOWN) {
        throw unavailable(
          'shutting_down',
          'This node is shutting down; the command stays recorded and its outcome will be too: read it at GET /api/commands/{id}/',
          { command_id: commandId },
        );
      }
      if (!outcome) return { state: await deps.remoteCommands.timeOut(commandId, contextNow()), finished: true };
      // The stream, not the outcome event alone: the answer shows the dispatch too (as a retry would). This
      // process's own outcome comes with it; another process's is read back.
      const final =
        outcome.state ??
        (await deps.remoteCommands.load(commandId))?.state ??
        remoteCommandDecider.evolve(state, outcome.event);
      return { state: final, finished: true };
    } finally {
      waiter?.cancel();
    }
  }

  /** A new command for an offline gateway is refused unless it may wait (ttl_s > 0) and the queue has room. */
  private async admit(gatewayId: string, online: boolean, ttlS: number): Promise<void> {
    if (online) return;
    if (ttlS === 0)
      throw conflict(
        'gateway_offline',
        'The gateway is offline; send ttl_s > 0 to queue the command until it reconnects',
      );
    const { queueLimit } = this.deps;
    if ((await this.deps.queuedCount(gatewayId)) >= queueLimit) {
      throw new RetryLaterError(
        'command_queue_full',
        `At most ${queueLimit} commands may wait for an offline gateway`,
        QUEUE_FULL_RETRY_AFTER_S,
      );
    }
  }
}
