import {
  REMOTE_COMMAND_OUTCOME_TYPES,
  type RemoteCommandEventType,
} from '../domain/remote-control/remote-command-events.ts';
import type { RecordedEvent } from '../eventstore/port.ts';

/** Events after which a command still waits for its gateway (sent again on the next session while unacked). */
const UNFINISHED_TYPES = ['RemoteCommandIssued', 'RemoteCommandDispatched'] as const;
const UNFINISHED = new Set<string>(UNFINISHED_TYPES);
const FINISHED_TYPES = new Set<string>(REMOTE_COMMAND_OUTCOME_TYPES);

/** The events the relay's subscription follows to keep its view of the queues. */
export const QUEUE_EVENT_TYPES: readonly RemoteCommandEventType[] = [
  ...UNFINISHED_TYPES,
  ...REMOTE_COMMAND_OUTCOME_TYPES,
];

/**
 * Which commands wait for each gateway (issued or dispatched, not finished), in the order they were issued, kept
 * from the log by the relay's own subscription: a reconnecting gateway's queue is known without a query — and most
 * gateways have none. A command's membership follows its latest event, so replaying events the starting snapshot
 * already held leaves the view right.
 */
export class QueuedCommands {
  private readonly byGateway = new Map<string, Set<string>>();

  /** From the read model at start-up: every unfinished command, oldest first. */
  load(unfinished: ReadonlyArray<{ id: string; gatewayId: string }>): void {
    for (const { id, gatewayId } of unfinished) this.add(gatewayId, id);
  }

  apply(event: RecordedEvent): void {
    const data = event.data as { command_id?: unknown; gateway_id?: unknown };
    if (typeof data.command_id !== 'string' || typeof data.gateway_id !== 'string') return;
    if (FINISHED_TYPES.has(event.type)) this.remove(data.gateway_id, data.command_id);
    else if (UNFINISHED.has(event.type)) this.add(data.gateway_id, data.command_id);
  }

  /** The gateway's unfinished commands, oldest first (empty for most). */
  of(gatewayId: string): string[] {
    const queued = this.byGateway.get(gatewayId);
    return queued ? [...queued] : [];
  }

  private add(gatewayId: string, commandId: string): void {
    const queued = this.byGateway.get(gatewayId);
    // A Set keeps the order of first insertion: a command dispatched again keeps its place.
    if (queued) queued.add(commandId);
    else this.byGateway.set(gatewayId, new Set([commandId]));
  }

  private remove(gatewayId: string, commandId: string): void {
    const queued = this.byGateway.get(gatewayId);
    if (!queued?.delete(commandId)) return;
    if (queued.size === 0) this.byGateway.delete(gatewayId);
  }
}
