/**
 * A read shared between concurrent callers, where each caller needs a read that *started after* its call (what a
 * read-your-writes wait needs: a read that started earlier may predate the commit it waits for). A burst of
 * waiters woken together — or a reconnect storm, where every welcomed gateway asks for the head — costs one or two
 * reads, not one each. Used for the log's head (`new SharedRead(() => store.headPosition())`), for projection
 * checkpoints, and for the idle poll of a store's subscriptions (idle-poll.ts). Callers content with a recent
 * answer (`recent`) also share reads that started before their call.
 */
export class SharedRead<T> {
  private inFlight: Promise<T> | null = null;
  private inFlightStartedAt = 0;
  private next: Promise<T> | null = null;
  /** The newest read that succeeded, and when it started. */
  private lastAnswer: { answer: Promise<T>; startedAt: number } | null = null;

  constructor(private readonly read: () => Promise<T>) {}

  get(): Promise<T> {
    if (this.inFlight === null) return this.start();
    // The read in flight may have started before this call: ride on the one after it.
    this.next ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  /**
   * A read that started at most `maxAgeMs` before this call: the one in flight or the newest answer while they are
   * that fresh, else a new one. For watchdogs that ask "has anything happened lately?" on timers of their own
   * (EventStoreDB's subscription liveness): however many ask, the store answers about once per `maxAgeMs`. A
   * failed read is never reused.
   */
  recent(maxAgeMs: number): Promise<T> {
    const now = performance.now();
    if (this.inFlight !== null && now - this.inFlightStartedAt <= maxAgeMs) return this.inFlight;
    if (this.lastAnswer !== null && now - this.lastAnswer.startedAt <= maxAgeMs) return this.lastAnswer.answer;
    return this.get();
  }

  private start(): Promise<T> {
    const startedAt = performance.now();
    const read = this.read();
    this.inFlight = read;
    this.inFlightStartedAt = startedAt;
    const clear = () => {
      if (this.inFlight === read) this.inFlight = null;
    };
    read.then(() => {
      if (this.lastAnswer === null || this.lastAnswer.startedAt <= startedAt)
        this.lastAnswer = { answer: read, startedAt };
      clear();
    }, clear);
    return read;
  }
}
