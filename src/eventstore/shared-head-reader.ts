import type { EventStore, Position } from './port.ts';

/**
 * Head-of-log reads shared between concurrent callers. Each caller gets a read that *started after* its own call,
 * so everything appended before the call is at or before the answer (what a read-your-writes wait needs), while a
 * burst of callers — a reconnect storm, where every welcomed gateway asks — costs a handful of reads, not one each.
 */
export class SharedHeadReader {
  private inFlight: Promise<Position | null> | null = null;
  private next: Promise<Position | null> | null = null;

  constructor(private readonly store: Pick<EventStore, 'headPosition'>) {}

  read(): Promise<Position | null> {
    if (this.inFlight === null) return this.start();
    // The read in flight may have started before this call: ride on the one after it.
    this.next ??= this.inFlight
      .catch(() => null)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<Position | null> {
    const read = this.store.headPosition();
    this.inFlight = read;
    const clear = () => {
      if (this.inFlight === read) this.inFlight = null;
    };
    read.then(clear, clear);
    return read;
  }
}
