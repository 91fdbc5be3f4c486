import { systemContext, type CommandContext } from '../commands/metadata.ts';
import type { SessionCloseReason } from '../domain/bridge/telemetry-events.ts';

/** Who a session's events are recorded for: the gateway, from where it connected, on this node. */
export interface SessionContextOrigin {
  gatewayId: string;
  nodeId: string;
  remoteAddress: string | null;
  userAgent: string | null;
}

/**
 * The metadata of a session's events: the gateway is the actor, every event is correlated with the session, and a
 * frame's event is caused by the frame (its request id).
 */
export class SessionContextFactory {
  constructor(
    private readonly sessionId: string,
    private readonly origin: SessionContextOrigin,
  ) {}

  /** For an event the gateway caused: by the frame `requestId`, or by the session itself. */
  forGateway(requestId?: string): CommandContext {
    return {
      actor: { kind: 'gateway', id: this.origin.gatewayId },
      correlationId: this.sessionId,
      causationId: requestId ?? this.sessionId,
      requestId,
      clientAddress: this.origin.remoteAddress ?? undefined,
      userAgent: this.origin.userAgent ?? undefined,
      gatewaySessionId: this.sessionId,
      now: new Date(),
    };
  }

  /**
   * For the dispatch and outcome of a remote command on this session: correlated with and caused by the command
   * (the command frame's, and its ack's, request_id is the command id).
   */
  forCommand(commandId: string): CommandContext {
    return { ...this.forGateway(commandId), correlationId: commandId };
  }

  /**
   * A shutdown is this process's act, not the gateway's: recorded as the system (`bridge-shutdown`) from this
   * node, correlated with and caused by the session it ends. Other closes keep the session's own origin.
   */
  forClose(reason: SessionCloseReason): CommandContext {
    if (reason !== 'server_shutdown') return this.forGateway();
    return systemContext('bridge-shutdown', { nodeId: this.origin.nodeId, correlationId: this.sessionId });
  }
}
