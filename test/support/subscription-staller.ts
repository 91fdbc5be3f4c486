import { Observable, type Subscriber } from 'rxjs';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import type { EventStore, RecordedEvent, SubscribeToAllOptions } from '../../src/eventstore/port.ts';

/**
 * An event store whose live subscriptions a test can stall: while `stall()` holds, the subscriptions `affects`
 * picks receive nothing (their events wait, in order); `resume()` hands them over and lets the rest through. The
 * subscription itself stays up, as behind a slow store or a blocked consumer — no error, no resubscription.
 */
export class SubscriptionStaller extends DelegatingEventStore {
  private stalled = false;
  private readonly held: Array<{ subscriber: Subscriber<RecordedEvent>; event: RecordedEvent }> = [];
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
      this.live.add(subscriber);
      const inner = this.inner.subscribeToAll(options).subscribe({
        next: (event) => (this.stalled ? this.held.push({ subscriber, event }) : subscriber.next(event)),
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
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

  /** How many events wait for a stalled subscriber. */
  get heldCount(): number {
    return this.held.length;
  }

  stall(): void {
    this.stalled = true;
  }

  resume(): void {
    this.stalled = false;
    for (const { subscriber, event } of this.held.splice(0)) {
      if (this.live.has(subscriber)) subscriber.next(event);
    }
  }
}
