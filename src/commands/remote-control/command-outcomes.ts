import type { RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import {
  REMOTE_COMMAND_OUTCOME_TYPES,
  type RemoteCommandEvent,
} from '../../domain/remote-control/remote-command-events.ts';
import { follow, type Following } from '../../eventstore/follow.ts';
import type { EventStore } from '../../eventstore/port.ts';
import type { Logger } from '../../logger.ts';

const OUTCOMES: readonly string[] = REMOTE_COMMAND_OUTCOME_TYPES;

/** A command's outcome event; `state` (the whole stream folded) when this process wrote it, else null. */
export interface CommandOutcome {
  event: RemoteCommandEvent;
  state: RemoteCommandState | null;
}

/**
 * Where waiting requests learn a command's outcome, whichever process recorded it: one subscription per process
 * to the outcome event types (from the head of the log at start), plus a shortcut for outcomes this process
 * wrote itself. A waiter registers before it looks at the command, so nothing slips between.
 */
export class CommandOutcomes {
  private readonly waiters = new Map<string, Set<(outcome: CommandOutcome) => void>>();
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
   * Resolves with the command's outcome event, or null after `timeoutMs`. Call `cancel` when the answer came
   * another way (the command was already finished).
   */
  wait(commandId: string, timeoutMs: number): { outcome: Promise<CommandOutcome | null>; cancel: () => void } {
    let cancel = () => {};
    const outcome = new Promise<CommandOutcome | null>((resolve) => {
      const set = this.waiters.get(commandId) ?? new Set();
      const done = (outcome: CommandOutcome | null) => {
        clearTimeout(timer);
        set.delete(onEvent);
        if (set.size === 0 && this.waiters.get(commandId) === set) this.waiters.delete(commandId);
        resolve(outcome);
      };
      const onEvent = (outcome: CommandOutcome) => done(outcome);
      const timer = setTimeout(() => done(null), timeoutMs);
      set.add(onEvent);
      this.waiters.set(commandId, set);
      cancel = () => done(null);
    });
    return { outcome, cancel };
  }

  stop(): void {
    this.subscription?.stop();
    this.subscription = null;
  }

  private deliver(commandId: string, outcome: CommandOutcome): void {
    const set = this.waiters.get(commandId);
    if (!set) return;
    for (const waiter of [...set]) waiter(outcome);
  }
}
