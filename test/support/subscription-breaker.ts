import { Observable, type Subscriber } from 'rxjs';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import type { EventStore, RecordedEvent, SubscribeToAllOptions } from '../../src/eventstore/port.ts';

/**
 * An event store whose live subscriptions a test can break: `break()` fails every subscription `affects` picks, and
 * every new one fails at once until `restore()`. Appends and reads keep working, so a test can write into the gap.
 */
export class SubscriptionBreaker extends DelegatingEventStore {
  private broken = false;
  private readonly live = new Set<Subscriber<RecordedEvent>>();

  constructor(
    inner: EventStore,
    private readonly affects: (options: SubscribeToAllOptions | undefined) => boolean,
  ) {
    super(inner);
  }

  override subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent> {
    if (!this.affects(options)) return this.inner.subscribeToAll(options);
    return new Observable<RecordedEvent>((subscriber) => {
      if (this.broken) {
        subscriber.error(new Error('subscription broken by the test'));
        return undefined;
      }
      this.live.add(subscriber);
      const inner = this.inner.subscribeToAll(options).subscribe(subscriber);
      return () => {
        this.live.delete(subscriber);
        inner.unsubscribe();
      };
    });
  }

  /** How many affected subscriptions are live now. */
  get liveCount(): number {
    return this.live.size;
  }

  break(): void {
    this.broken = true;
    for (const subscriber of [...this.live]) subscriber.error(new Error('subscription broken by the test'));
  }

  restore(): void {
    this.broken = false;
  }
}
