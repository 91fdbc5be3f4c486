import { LRUCache } from 'lru-cache';
import type { AckOutcome } from '../bridge/protocol/index.ts';

/**
 * Commands are delivered at least once: after a reconnect the cloud may send a command again whose ack it
 * never saw. Remembering recent outcomes by command id lets the client re-ack instead of switching a light
 * twice. Bounded; the oldest entries are forgotten first.
 */
export type CommandProgress = { state: 'running' } | { state: 'done'; outcome: AckOutcome };

export class RecentCommandOutcomes {
  private readonly entries: LRUCache<string, CommandProgress>;

  constructor(capacity: number) {
    this.entries = new LRUCache({ max: capacity });
  }

  get(commandId: string): CommandProgress | undefined {
    return this.entries.peek(commandId);
  }

  markRunning(commandId: string): void {
    this.remember(commandId, { state: 'running' });
  }

  markDone(commandId: string, outcome: AckOutcome): void {
    this.remember(commandId, { state: 'done', outcome });
  }

  private remember(commandId: string, progress: CommandProgress): void {
    this.entries.set(commandId, progress);
  }
}
