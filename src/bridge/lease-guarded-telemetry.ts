import type { TelemetryWriter } from '../commands/bridge/telemetry-recorder.ts';
import type { CommandContext } from '../commands/metadata.ts';
import type { TelemetryEvent } from '../domain/bridge/telemetry-events.ts';
import type { Position } from '../eventstore/port.ts';

/** A session event refused because this node lost its lease: another node closed (or will close) its sessions. */
export class NodeLeaseLostError extends Error {
  override readonly name = 'NodeLeaseLostError';
  constructor() {
    super("this node's lease was taken: its gateway sessions are closed in the log by another node");
  }
}

/**
 * The sessions' events go through this: each is written only while this node holds its lease (node-liveness.ts).
 * Once another node may have closed this node's sessions with `node_lost`, nothing more is written for them — no
 * second close, no state report after the close.
 */
export class LeaseGuardedTelemetry implements TelemetryWriter {
  constructor(
    private readonly inner: TelemetryWriter,
    private readonly lease: { readonly trustedNow: boolean; confirmHeld(): Promise<boolean> },
  ) {}

  /**
   * While the lease is trusted (nearly always) the event goes to the recorder in the same turn: a state frame
   * then joins the batch its gateway's other frames of this turn are in, with no wait for a microtask per frame.
   */
  record(event: TelemetryEvent, context: CommandContext): Promise<Position> {
    if (this.lease.trustedNow) return this.inner.record(event, context);
    return this.recordOnceConfirmed(event, context);
  }

  private async recordOnceConfirmed(event: TelemetryEvent, context: CommandContext): Promise<Position> {
    if (!(await this.lease.confirmHeld())) throw new NodeLeaseLostError();
    return this.inner.record(event, context);
  }
}
