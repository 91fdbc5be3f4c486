import type { TelemetryEvent } from '../../domain/bridge/telemetry-events.ts';
import { telemetryStream } from '../../domain/bridge/telemetry-events.ts';
import type { Position } from '../../eventstore/port.ts';
import type { CommandBus } from '../command-bus.ts';
import type { CommandContext } from '../metadata.ts';

interface Pending {
  event: TelemetryEvent;
  context: CommandContext;
  resolve: (position: Position) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 200;

/**
 * Writes a gateway's telemetry (session open/close, device states, metadata) to its telemetry stream in order
 * of arrival. Events that arrive while an append is in flight are appended together next, one transaction for
 * many frames — this is what lets one process store thousands of state frames per second — and each caller
 * learns when its own event is durable (the bridge acks only then).
 */
export class TelemetryRecorder {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();

  constructor(private readonly bus: CommandBus) {}

  record(event: TelemetryEvent, context: CommandContext): Promise<Position> {
    const gatewayId = event.data.gateway_id;
    return new Promise<Position>((resolve, reject) => {
      const queue = this.queues.get(gatewayId) ?? [];
      queue.push({ event, context, resolve, reject });
      this.queues.set(gatewayId, queue);
      if (!this.flushing.has(gatewayId)) void this.flush(gatewayId);
    });
  }

  private async flush(gatewayId: string): Promise<void> {
    this.flushing.add(gatewayId);
    try {
      for (;;) {
        const queue = this.queues.get(gatewayId);
        if (!queue || queue.length === 0) {
          this.queues.delete(gatewayId);
          return;
        }
        const batch = queue.splice(0, MAX_BATCH);
        try {
          const position = await this.bus.appendEach(telemetryStream(gatewayId), batch, 'any');
          for (const pending of batch) pending.resolve(position);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing.delete(gatewayId);
    }
  }
}
