import type { WriteResult } from '../commands/write-result.ts';
import type { Position } from '../eventstore/port.ts';
import { maxPosition } from '../eventstore/position.ts';

/**
 * Where the newest write this process answered that carried one of the watched event types ended in the log: the
 * newest write a reader in this process may expect to see, known without asking the store. Noted by `settle`, which
 * every write of the API and the admin API passes through with its WriteResult (the caller's own write answered
 * here), whether or not the read models caught up in time.
 */
export class LatestOwnWrite {
  private readonly watched: ReadonlySet<string>;
  private latestPosition: Position | null = null;

  constructor(watchedTypes: readonly string[]) {
    this.watched = new Set(watchedTypes);
  }

  /** The position of the newest watched write noted (null: none since this process started). */
  get latest(): Position | null {
    return this.latestPosition;
  }

  note(write: WriteResult): void {
    if (write.eventTypes.some((type) => this.watched.has(type))) {
      this.latestPosition = maxPosition(this.latestPosition, write.position);
    }
  }
}
