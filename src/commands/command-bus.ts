import { randomUUID } from 'node:crypto';
import { fold, type Decider, type DomainEvent } from '../domain/decider.ts';
import { conflict } from '../domain/errors.ts';
import type { EventCatalogue } from '../domain/event-catalogue.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../eventstore/errors.ts';
import type { EventStore, ExpectedRevision, Position, RecordedEvent } from '../eventstore/port.ts';
import { eventMetadata, type CommandContext } from './metadata.ts';

export interface CommandResult<Event extends DomainEvent, State> {
  /** The events this command appended (none when it changed nothing). */
  events: Event[];
  /** Global position of the last appended event, or null when nothing was appended. */
  position: Position | null;
  /** The stream's state after the command. */
  state: State;
}

export interface LoadedStream<Event extends DomainEvent, State> {
  state: State;
  events: Event[];
  /** Revision of the last event, or null when the stream does not exist. */
  revision: number | null;
}

/** What a write left behind: where it ended in the log and which event types it wrote (for read-your-writes). */
export interface WriteResult {
  position: Position | null;
  eventTypes: string[];
}

export const NOTHING_WRITTEN: WriteResult = { position: null, eventTypes: [] };

export function writeResultOf(result: { events: readonly DomainEvent[]; position: Position | null }): WriteResult {
  return { position: result.position, eventTypes: result.events.map((event) => event.type) };
}

/** Several writes of one request: the last position (writes happen in order) and every type. */
export function combineWrites(...writes: WriteResult[]): WriteResult {
  const positions = writes.map((write) => write.position).filter((p): p is Position => p !== null).sort();
  return { position: positions[positions.length - 1] ?? null, eventTypes: [...new Set(writes.flatMap((w) => w.eventTypes))] };
}

const DEFAULT_MAX_ATTEMPTS = 10;

/**
 * Between attempts after a conflict: a short random wait, growing with the attempt, so that writers contending
 * for one busy stream (grants on a shared home) spread out instead of colliding again in lockstep.
 */
const conflictBackoff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** attempt)));

/**
 * The one writer path: load a stream, fold it, decide, append with the expected revision, retry on a
 * concurrency conflict (bounded). Every event is validated against the catalogue and stamped with metadata.
 */
export class CommandBus {
  constructor(
    private readonly store: EventStore,
    private readonly catalogue: EventCatalogue,
    private readonly maxAttempts = DEFAULT_MAX_ATTEMPTS,
  ) {}

  async load<Event extends DomainEvent, State>(
    decider: Pick<Decider<unknown, Event, State>, 'initialState' | 'evolve'>,
    stream: string,
  ): Promise<LoadedStream<Event, State>> {
    const recorded = await this.readWholeStream(stream);
    const events = recorded.map((event) => ({ type: event.type, data: event.data }) as Event);
    return {
      events,
      state: fold(decider, events),
      revision: recorded.length === 0 ? null : recorded[recorded.length - 1]!.revision,
    };
  }

  async execute<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    stream: string,
    command: Command,
    context: CommandContext,
  ): Promise<CommandResult<Event, State>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(decider, stream);
      const events = decider.decide(command, loaded.state);
      const state = events.reduce(decider.evolve, loaded.state);
      if (events.length === 0) return { events, position: null, state };
      try {
        const expected: ExpectedRevision = loaded.revision === null ? 'no_stream' : loaded.revision;
        const position = await this.append(stream, events, expected, context);
        return { events, position, state };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt >= this.maxAttempts) {
          throw conflict('concurrent_update', 'Too many concurrent changes to the same thing; try again', { stream_revision: error.actual });
        }
        // Someone else wrote to the stream first: decide again against the new state.
        await conflictBackoff(attempt);
      }
    }
  }

  /** Appends without a decider (telemetry, where the order of arrival is the truth). */
  async append(
    stream: string,
    events: readonly DomainEvent[],
    expectedRevision: ExpectedRevision,
    context: CommandContext,
  ): Promise<Position> {
    return this.appendEach(stream, events.map((event) => ({ event, context })), expectedRevision);
  }

  /** Like `append`, each event with its own context (a batch of frames, each caused by its own request). */
  async appendEach(
    stream: string,
    entries: ReadonlyArray<{ event: DomainEvent; context: CommandContext }>,
    expectedRevision: ExpectedRevision,
  ): Promise<Position> {
    const toAppend = entries.map(({ event, context }) => {
      const definition = this.catalogue.get(event.type);
      return {
        id: randomUUID(),
        type: event.type,
        data: this.catalogue.validate(event.type, event.data),
        metadata: eventMetadata(context, definition.schemaVersion),
      };
    });
    const result = await this.store.appendToStream(stream, toAppend, { expectedRevision });
    return result.position;
  }

  private async readWholeStream(stream: string): Promise<RecordedEvent[]> {
    try {
      return await this.store.readStream(stream);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
  }
}
