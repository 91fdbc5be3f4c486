import { fold, type Decider, type DomainEvent } from '../domain/decider.ts';
import { conflict } from '../domain/errors.ts';
import type { EventCatalogue } from '../domain/event-catalogue.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../eventstore/errors.ts';
import { lastHashOf } from '../eventstore/hash-chain.ts';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { ChainedAppends } from './chained-appends.ts';
import type { CommandContext } from './metadata.ts';
import type { PersonalDataSealer } from './personal-data-sealer.ts';
import type { StreamTip } from './stream-tip.ts';

/** A stream read and folded: its state, its events, where it stands. */
export interface LoadedStream<Event extends DomainEvent, State> extends StreamTip {
  state: State;
  events: Event[];
  /** Global position of the last event, or null when the stream does not exist. */
  position: Position | null;
}

/** What a command did: the events it appended, the state after it, and where the stream stands now. */
export interface CommandResult<Event extends DomainEvent, State> extends StreamTip {
  /** The events this command appended (none when it changed nothing). */
  events: Event[];
  /** Global position of the last appended event, or null when nothing was appended. */
  position: Position | null;
  /** The stream's state after the command. */
  state: State;
}

/** A state the caller already holds with the tip it was read at (e.g. from its own previous write). */
export type KnownStream<State> = StreamTip & { state: State };

/**
 * The context each decided event is recorded with: one for all, or chosen per event (a command that records what
 * two actors did, e.g. a user's issue and the gateway session's dispatch in one append).
 */
export type EventContexts<Event> = CommandContext | ((event: Event) => CommandContext);

const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Between attempts after a conflict: a short random wait, growing with the attempt, so that writers contending
 * for one busy stream (grants on a shared home) spread out instead of colliding again in lockstep.
 */
const conflictBackoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/**
 * The event-sourced command handler, the one writer path: load a stream, fold it, decide, append with the expected
 * revision, retry on a concurrency conflict (bounded). Every event is validated against the catalogue and
 * stamped with metadata (by ChainedAppends).
 */
export class EventSourcedCommandHandler {
  private readonly appends: ChainedAppends;

  constructor(
    private readonly store: EventStore,
    catalogue: EventCatalogue,
    private readonly maxAttempts = DEFAULT_MAX_ATTEMPTS,
    sealer?: PersonalDataSealer,
  ) {
    this.appends = new ChainedAppends(store, catalogue, sealer);
  }

  async load<Event extends DomainEvent, State>(
    decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
    stream: string,
  ): Promise<LoadedStream<Event, State>> {
    const recorded = await this.readStream(stream);
    const events = recorded.map((event) => ({ type: event.type, data: event.data }) as Event);
    const last = recorded.at(-1);
    return {
      events,
      state: fold(decider, events),
      revision: last?.revision ?? null,
      position: last?.position ?? null,
      lastHash: lastHashOf(last),
    };
  }

  /**
   * Load, decide, append with the revision read; on a conflict decide again on a fresh read. `known` replaces the
   * first read; if it is stale, the append's expected revision refuses it and the retry reads the stream.
   */
  async execute<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    stream: string,
    command: Command,
    context: EventContexts<Event>,
    known?: KnownStream<State>,
  ): Promise<CommandResult<Event, State>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = attempt === 1 && known ? known : await this.load(decider, stream);
      try {
        return await this.decideAndAppend(decider, stream, command, context, loaded);
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt >= this.maxAttempts) {
          throw conflict('concurrent_update', 'Too many concurrent changes to the same thing; try again', {
            stream_revision: error.actual,
          });
        }
        // Someone else wrote to the stream first: decide again against the new state. (A stale `known` was no
        // race with a live writer: read again at once.)
        if (!(attempt === 1 && known)) await conflictBackoff(attempt);
      }
    }
  }

  /**
   * Decides once against `known` and appends right after it, or returns null when the stream moved on: the
   * expected revision is a lock, and losing it is an answer (someone else acted first), not a reason to retry.
   */
  async executeOnce<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    stream: string,
    command: Command,
    context: EventContexts<Event>,
    known: KnownStream<State>,
  ): Promise<CommandResult<Event, State> | null> {
    try {
      return await this.decideAndAppend(decider, stream, command, context, known);
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return null;
      throw error;
    }
  }

  /** Every event of a stream in order; none when it does not exist. */
  async readStream(stream: string): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(stream);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }

  private async decideAndAppend<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    stream: string,
    command: Command,
    context: EventContexts<Event>,
    loaded: KnownStream<State>,
  ): Promise<CommandResult<Event, State>> {
    const events = decider.decide(command, loaded.state);
    const state = events.reduce(decider.evolve, loaded.state);
    if (events.length === 0)
      return { events, position: null, state, revision: loaded.revision, lastHash: loaded.lastHash };
    const contextOf = typeof context === 'function' ? context : () => context;
    const appended = await this.appends.appendAfter(
      stream,
      events.map((event) => ({ event, context: contextOf(event) })),
      loaded,
    );
    return { events, state, ...appended };
  }
}
