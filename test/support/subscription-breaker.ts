import type { Subscriber } from 'rxjs';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { SubscriptionInterposer } from './subscription-interposer.ts';

/**
 * An event store whose live subscriptions a test can break: `break()` fails every subscription `affects` picks, and
 * every new one fails at once until `restore()`. Appends and reads keep working, so a test can write into the gap.
 */
export class SubscriptionBreaker extends SubscriptionInterposer {
  private broken = false;

  protected override admit(subscriber: Subscriber<RecordedEvent>): boolean {
    if (this.broken) subscriber.error(new Error('subscription broken by the test'));
    return !this.broken;
  }

  break(): void {
    this.broken = true;
    for (const subscriber of this.liveSubscribers()) subscriber.error(new Error('subscription broken by the test'));
  }

  restore(): void {
    this.broken = false;
  }
}
