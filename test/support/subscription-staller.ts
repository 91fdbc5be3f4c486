import type { Subscriber } from 'rxjs';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { SubscriptionInterposer } from './subscription-interposer.ts';

/**
 * An event store whose live subscriptions a test can stall: while `stall()` holds, the subscriptions `affects`
 * picks receive nothing (their events wait, in order); `resume()` hands them over and lets the rest through. The
 * subscription itself stays up, as behind a slow store or a blocked consumer — no error, no resubscription.
 */
export class SubscriptionStaller extends SubscriptionInterposer {
  private stalled = false;
  private readonly held: Array<{ subscriber: Subscriber<RecordedEvent>; event: RecordedEvent }> = [];

  protected override deliver(subscriber: Subscriber<RecordedEvent>, event: RecordedEvent): void {
    if (this.stalled) this.held.push({ subscriber, event });
    else subscriber.next(event);
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
      if (this.isLive(subscriber)) subscriber.next(event);
    }
  }
}
