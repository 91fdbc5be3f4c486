/**
 * A read shared between concurrent callers, where each caller needs a read that *started after* its call (what a
 * read-your-writes wait needs: a read that started earlier may predate the commit it waits for). A burst of
 * waiters woken together — or a reconnect storm, where every welcomed gateway asks for the head — costs one or two
 * reads, not one each. Used for the log's head (`new SharedRead(() => store.headPosition())`) and for projection
 * checkpoints.
 */
export class SharedRead<T> {
  private inFlight: Promise<T> | null = null;
  private next: Promise<T> | null = null;

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

  private start(): Promise<T> {
    const read = this.read();
    this.inFlight = read;
    const clear = () => {
      if (this.inFlight === read) this.inFlight = null;
    };
    read.then(clear, clear);
    return read;
  }
}
