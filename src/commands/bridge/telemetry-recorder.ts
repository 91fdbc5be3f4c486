import { LRUCache } from 'lru-cache';
import type { TelemetryEvent } from '../../domain/bridge/telemetry-events.ts';
import { telemetryStream } from '../../domain/bridge/telemetry-events.ts';
import type { Position } from '../../eventstore/port.ts';
import type { ChainedAppends } from '../chained-appends.ts';
import type { CommandContext } from '../metadata.ts';
import type { StreamTip } from '../stream-tip.ts';

interface Pending {
  event: TelemetryEvent;
  context: CommandContext;
  resolve: (position: Position) => void;
  reject: (error: unknown) => void;
}

const MAX_BATCH = 200;
/**
 * Bound on remembered stream tips (~250 bytes each), least recently written out first. Kept past a session's end:
 * after a reconnect storm the new session's first append then needs no read.
 */
const MAX_TIPS = 50_000;

/** What records a session's events: the recorder itself, or a wrapper that checks something first. */
export interface TelemetryWriter {
  record(event: TelemetryEvent, context: CommandContext): Promise<Position>;
}

/**
 * Writes a gateway's telemetry (session open/close, device states, metadata) to its telemetry stream in order
 * of arrival. Events that arrive while an append is in flight are appended together next, one transaction for
 * many frames — this is what lets one process store thousands of state frames per second — and each caller
 * learns when its own event is durable (the bridge acks only then). Batches of different gateways in flight at
 * the same moment share a transaction too: the event store's group commit (src/eventstore/group-commit.ts).
 */
export class TelemetryRecorder implements TelemetryWriter {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();
  /**
   * Where this process's last append left each gateway's telemetry stream, so the next batch links to it without
   * reading the stream's last event first (one round trip less per batch). A write by anyone else (another node,
   * the restart clean-up) makes the next append fail on the revision, and the append reads and retries.
   */
  private readonly tips = new LRUCache<string, StreamTip>({ max: MAX_TIPS });

  constructor(private readonly appends: ChainedAppends) {}

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
          const tip = await this.appends.appendEachAfter(
            telemetryStream(gatewayId),
            batch,
            this.tips.peek(gatewayId) ?? null,
          );
          this.tips.set(gatewayId, tip);
          for (const pending of batch) pending.resolve(tip.position);
        } catch (error) {
          this.tips.delete(gatewayId);
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.flushing.delete(gatewayId);
    }
  }
}
