import { Observable, type Subscriber } from 'rxjs';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import type { EventStore, RecordedEvent, SubscribeToAllOptions } from '../../src/eventstore/port.ts';

/**
 * An event store that puts itself between the live subscriptions `affects` picks and the store beneath, and keeps
 * count of which of them are live. Test doubles that misbehave on purpose (stall, break) override the two hooks
 * below and leave the plumbing — the pass-through for the others, the unsubscription — to this one class.
 */
export abstract class SubscriptionInterposer extends DelegatingEventStore {
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
      if (!this.admit(subscriber)) return undefined;
      this.live.add(subscriber);
      const inner = this.inner.subscribeToAll(options).subscribe({
        next: (event) => this.deliver(subscriber, event),
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

  /** The affected subscriptions live now (a copy: ending one removes it from the set). */
  protected liveSubscribers(): Array<Subscriber<RecordedEvent>> {
    return [...this.live];
  }

  protected isLive(subscriber: Subscriber<RecordedEvent>): boolean {
    return this.live.has(subscriber);
  }

  /** Whether a new affected subscription may open; one refused must be ended (errored) by the override. */
  protected admit(_subscriber: Subscriber<RecordedEvent>): boolean {
    return true;
  }

  /** Hands one event to an affected subscriber; an override may hold it back. */
  protected deliver(subscriber: Subscriber<RecordedEvent>, event: RecordedEvent): void {
    subscriber.next(event);
  }
}
