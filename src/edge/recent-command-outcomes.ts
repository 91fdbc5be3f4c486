import type { AckOutcome } from '../bridge/protocol/index.ts';

/**
 * Commands are delivered at least once: after a reconnect the cloud may send a command again whose ack it
 * never saw. Remembering recent outcomes by command id lets the client re-ack instead of switching a light
 * twice. Bounded; the oldest entries are forgotten first.
 */
export type CommandProgress = { state: 'running' } | { state: 'done'; outcome: AckOutcome };

export class RecentCommandOutcomes {
  private readonly entries = new Map<string, CommandProgress>();

  constructor(private readonly capacity: number) {}

  get(commandId: string): CommandProgress | undefined {
    return this.entries.get(commandId);
  }

  markRunning(commandId: string): void {
    this.remember(commandId, { state: 'running' });
  }

  markDone(commandId: string, outcome: AckOutcome): void {
    this.remember(commandId, { state: 'done', outcome });
  }

  private remember(commandId: string, progress: CommandProgress): void {
    this.entries.delete(commandId);
    this.entries.set(commandId, progress);
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
