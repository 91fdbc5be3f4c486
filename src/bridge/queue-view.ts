import type { RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { QueuedCommands } from './queued-commands.ts';

export interface QueueViewOptions {
  /** Whether the remote-command read model came to include everything in the log now (false: not in time). */
  readModelCaughtUp: () => Promise<boolean>;
  /** Every unfinished command in the read model, oldest first. */
  unfinished: () => Promise<ReadonlyArray<{ id: string; gatewayId: string }>>;
  logger: Logger;
  /** The wait after the first failed attempt; it doubles after each further one, up to `maxRetryMs`. */
  firstRetryMs?: number;
  maxRetryMs?: number;
}

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 60_000;
/**
 * Events one attempt holds while its snapshot is read (~1 KB each). A log that brings more than this within one
 * attempt (a few seconds) makes the attempt start over rather than grow without bound.
 */
const MAX_HELD_EVENTS = 50_000;

/** One attempt at the snapshot: the events the subscription delivered since it began, to apply over it. */
interface Attempt {
  held: RecordedEvent[];
  overflowed: boolean;
}

/**
 * The relay's view of which commands wait for each gateway (QueuedCommands), built from a snapshot of the read
 * model and kept by the relay's subscription. The snapshot needs the read model to have caught up; when it has not
 * in time (a slow start, a stalled projection) the view is retried in the background with a growing delay (1 s …
 * 60 s, each failure logged) until it is built — meanwhile a connecting gateway's queue is looked up in the read
 * model. Each attempt holds the events delivered after it began, and applies them over its snapshot (the snapshot
 * is at least as new as every event delivered before): a command's membership follows its latest event, so
 * events the snapshot already held leave it right.
 */
export class QueueView {
  private view: QueuedCommands | null = null;
  private attempt: Attempt | null = null;
  private attempts = 0;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(private readonly options: QueueViewOptions) {}

  /** The gateway's unfinished commands, oldest first; null while the view is not built (ask the read model). */
  of(gatewayId: string): string[] | null {
    return this.view ? this.view.of(gatewayId) : null;
  }

  /** Every event of the relay's subscription, in log order. */
  apply(event: RecordedEvent): void {
    if (this.view) {
      this.view.apply(event);
      return;
    }
    // No attempt under way: the next one's snapshot is taken after this event, and holds it.
    const attempt = this.attempt;
    if (!attempt || attempt.overflowed) return;
    if (attempt.held.length >= MAX_HELD_EVENTS) {
      attempt.overflowed = true;
      attempt.held = [];
      return;
    }
    attempt.held.push(event);
  }

  /** The first attempt is awaited (a normal start knows every queue at once); the retries are not. */
  async build(): Promise<void> {
    if (!(await this.tryOnce())) this.scheduleRetry();
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  private async tryOnce(): Promise<boolean> {
    const attempt: Attempt = { held: [], overflowed: false };
    this.attempt = attempt;
    this.attempts += 1;
    try {
      if (!(await this.options.readModelCaughtUp())) return this.failed('the read model did not catch up in time');
      const unfinished = await this.options.unfinished();
      if (attempt.overflowed) return this.failed(`more than ${MAX_HELD_EVENTS} events arrived during the snapshot`);
      if (this.stopped) return false;
      const view = new QueuedCommands();
      view.load(unfinished);
      for (const event of attempt.held) view.apply(event);
      this.view = view;
      if (this.attempts > 1) this.options.logger.info({ attempts: this.attempts }, 'queued-command view built');
      return true;
    } catch (error) {
      return this.failed('the snapshot could not be read', error);
    } finally {
      this.attempt = null;
    }
  }

  private failed(why: string, error?: unknown): false {
    if (this.stopped) return false; // shutting down: the stores may be closing under the attempt
    this.options.logger.warn(
      { err: error, attempt: this.attempts, retry_in_ms: this.nextDelayMs() },
      `queued-command view not built: ${why}; reconnects look up their queues in the read model until it is`,
    );
    return false;
  }

  private nextDelayMs(): number {
    const first = this.options.firstRetryMs ?? FIRST_RETRY_MS;
    return Math.min(this.options.maxRetryMs ?? MAX_RETRY_MS, first * 2 ** (this.attempts - 1));
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (!this.stopped) void this.build();
    }, this.nextDelayMs());
    this.retry.unref();
  }
}
