import type { RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import {
  REMOTE_COMMAND_OUTCOME_TYPES,
  type RemoteCommandEvent,
} from '../../domain/remote-control/remote-command-events.ts';
import { follow, type Following } from '../../eventstore/follow.ts';
import type { EventStore } from '../../eventstore/port.ts';
import type { Logger } from '../../logger.ts';
import { markCommandHop } from './command-trace.ts';

const OUTCOMES: readonly string[] = REMOTE_COMMAND_OUTCOME_TYPES;

/** A command's outcome event; `state` (the whole stream folded) when this process wrote it, else null. */
export interface CommandOutcome {
  event: RemoteCommandEvent;
  state: RemoteCommandState | null;
}

/** What a wait ends with when the process stops first: the request answers at once instead of holding the exit. */
export const SHUTTING_DOWN = 'shutting_down';

/** The outcome event, null when the wait timed out, or SHUTTING_DOWN. */
export type WaitResult = CommandOutcome | null | typeof SHUTTING_DOWN;

/**
 * Where waiting requests learn a command's outcome, whichever process recorded it: one subscription per process
 * to the outcome event types (from the head of the log at start), plus a shortcut for outcomes this process
 * wrote itself. A waiter registers before it looks at the command, so nothing slips between.
 */
export class CommandOutcomes {
  private readonly waiters = new Map<string, Set<(outcome: CommandOutcome) => void>>();
  /** Every pending wait's way to end early, for `stop()`. */
  private readonly endOnStop = new Set<() => void>();
  private stopped = false;
  private subscription: Following | null = null;

  constructor(
    private readonly store: EventStore,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const head = await this.store.headPosition();
    this.subscription = follow(
      this.store,
      { eventTypes: OUTCOMES },
      head,
      (event) =>
        this.deliver(String(event.data.command_id), {
          event: { type: event.type, data: event.data } as RemoteCommandEvent,
          state: null,
        }),
      { name: 'command-outcomes', logger: this.logger },
    );
  }

  /** Outcomes this process appended: no need to wait for the subscription, nor to read the stream again. */
  readonly observeLocal = (
    commandId: string,
    events: readonly RemoteCommandEvent[],
    state: RemoteCommandState,
  ): void => {
    for (const event of events) if (OUTCOMES.includes(event.type)) this.deliver(commandId, { event, state });
  };

  /**
   * Resolves with the command's outcome event, null after `timeoutMs`, or SHUTTING_DOWN at once when the process
   * stops first. Call `cancel` when the answer came another way (the command was already finished).
   */
  wait(commandId: string, timeoutMs: number): { outcome: Promise<WaitResult>; cancel: () => void } {
    let cancel = () => {};
    const outcome = new Promise<WaitResult>((resolve) => {
      if (this.stopped) {
        resolve(SHUTTING_DOWN);
        return;
      }
      const set = this.waiters.get(commandId) ?? new Set();
      const done = (outcome: WaitResult) => {
        clearTimeout(timer);
        set.delete(onEvent);
        this.endOnStop.delete(onStop);
        if (set.size === 0 && this.waiters.get(commandId) === set) this.waiters.delete(commandId);
        resolve(outcome);
      };
      const onEvent = (outcome: CommandOutcome) => done(outcome);
      const onStop = () => done(SHUTTING_DOWN);
      const timer = setTimeout(() => done(null), timeoutMs);
      set.add(onEvent);
      this.waiters.set(commandId, set);
      this.endOnStop.add(onStop);
      cancel = () => done(null);
    });
    return { outcome, cancel };
  }

  /**
   * Stops following and answers every pending wait with SHUTTING_DOWN: a shutdown never waits for a gateway's ack.
   * The commands stay in the log; their outcome is recorded by whichever process sees it (an ack on the node
   * the gateway reconnects to, or a sweeper's timeout).
   */
  stop(): void {
    this.stopped = true;
    for (const end of [...this.endOnStop]) end();
    this.subscription?.stop();
    this.subscription = null;
  }

  private deliver(commandId: string, outcome: CommandOutcome): void {
    const set = this.waiters.get(commandId);
    if (!set) return;
    markCommandHop(outcome.state ? 'waiter_woken_local' : 'waiter_woken_subscription', commandId);
    for (const waiter of [...set]) waiter(outcome);
  }
}
