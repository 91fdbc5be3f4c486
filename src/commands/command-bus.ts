import { randomUUID } from 'node:crypto';
import { fold, type Decider, type DomainEvent } from '../domain/decider.ts';
import { conflict } from '../domain/errors.ts';
import type { EventCatalogue } from '../domain/event-catalogue.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../eventstore/errors.ts';
import { lastHashOf, linkEvents } from '../eventstore/hash-chain.ts';
import type { EventStore, EventToAppend, ExpectedRevision, Position, RecordedEvent } from '../eventstore/port.ts';
import type { StreamAppender } from './cross-stream-appender.ts';
import { eventMetadata, type CommandContext } from './metadata.ts';

export interface CommandResult<Event extends DomainEvent, State> {
  /** The events this command appended (none when it changed nothing). */
  events: Event[];
  /** Global position of the last appended event, or null when nothing was appended. */
  position: Position | null;
  /** The stream's state after the command. */
  state: State;
  /** Revision of the stream's last event after the command, or null when the stream does not exist. */
  revision: number | null;
  /** The hash the stream's next event chains from. */
  lastHash: string;
}

/**
 * A stream as a caller last saw it. Writing after it needs no read: the append expects exactly `revision`, so a
 * stale view (someone wrote since) fails with WrongExpectedVersionError instead of breaking the hash chain.
 */
export interface StreamView {
  /** Revision of the last event, or null when the stream does not exist. */
  revision: number | null;
  /** The hash of the last event (the genesis hash for no stream): the next event's `prev`. */
  lastHash: string;
}

export interface LoadedStream<Event extends DomainEvent, State> extends StreamView {
  state: State;
  events: Event[];
  /** Global position of the last event, or null when the stream does not exist. */
  position: Position | null;
}

/** What a write left behind: where it ended in the log and which event types it wrote (for read-your-writes). */
export interface WriteResult {
  position: Position | null;
  eventTypes: string[];
}

/** Where a writer's own last append left a stream: its revision and chain hash, and the append's position. */
export interface StreamTip {
  revision: number;
  hash: string;
  position: Position;
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
/** `append` with 'any' retries longer: it never re-decides, it only re-reads the last hash of a busy stream. */
const MAX_CHAIN_ATTEMPTS = 50;

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
      position: recorded.at(-1)?.position ?? null,
      lastHash: lastHashOf(recorded[recorded.length - 1]),
    };
  }

  /**
   * Load, decide, append with the revision read; on a conflict decide again on a fresh read. `known` (a state the
   * caller already holds, e.g. from its previous write) replaces the first read; if it is stale, the append's
   * expected revision refuses it and the retry reads the stream.
   */
  async execute<Command, Event extends DomainEvent, State>(
    decider: Decider<Command, Event, State>,
    stream: string,
    command: Command,
    context: CommandContext,
    known?: StreamView & { state: State },
  ): Promise<CommandResult<Event, State>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = attempt === 1 && known ? known : await this.load(decider, stream);
      const events = decider.decide(command, loaded.state);
      const state = events.reduce(decider.evolve, loaded.state);
      if (events.length === 0) return { events, position: null, state, revision: loaded.revision, lastHash: loaded.lastHash };
      try {
        const appended = await this.appendAfter(stream, events.map((event) => ({ event, context })), loaded);
        return { events, state, ...appended };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
        if (attempt >= this.maxAttempts) {
          throw conflict('concurrent_update', 'Too many concurrent changes to the same thing; try again', { stream_revision: error.actual });
        }
        // Someone else wrote to the stream first: decide again against the new state. (A stale `known` was no
        // race with a live writer: read again at once.)
        if (!(attempt === 1 && known)) await conflictBackoff(attempt);
      }
    }
  }

  /**
   * Appends without a decider (telemetry, where the order of arrival is the truth; claims). The hash chain needs
   * the stream's last hash, so this reads the last event (backwards, one) and appends with the exact revision it
   * saw; when another writer got in between, it reads again. The caller's expectation ('no_stream',
   * 'stream_exists', a revision) is checked against what was read, so it keeps its meaning.
   */
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
    return (await this.appendLinked(stream, this.prepare(entries), expectedRevision, null)).position;
  }

  /**
   * `appendEach` with `any` for a writer that remembers where its last append left the stream (`tip`, null when
   * unknown): it links to that and appends with that exact revision, skipping the read of the last event. When
   * another writer got in between, the append fails on the revision and this falls back to reading. Returns the
   * new tip for the next call. `via` (a CrossStreamAppender) lets the append share a transaction with other
   * streams' appends; each retry goes through it again.
   */
  async appendEachAfter(
    stream: string,
    entries: ReadonlyArray<{ event: DomainEvent; context: CommandContext }>,
    tip: StreamTip | null,
    via?: StreamAppender,
  ): Promise<StreamTip> {
    return this.appendLinked(stream, this.prepare(entries), 'any', tip, via);
  }

  private async appendLinked(
    stream: string,
    prepared: readonly EventToAppend[],
    expectedRevision: ExpectedRevision,
    tip: StreamTip | null,
    via?: StreamAppender,
  ): Promise<StreamTip> {
    let known = tip;
    for (let attempt = 1; ; attempt++) {
      let actual: number | 'no_stream';
      let prev: string;
      if (known !== null) {
        actual = known.revision;
        prev = known.hash;
        known = null;
      } else {
        const last = await this.readLastEvent(stream);
        actual = last === null ? 'no_stream' : last.revision;
        const holds =
          expectedRevision === 'any' ||
          (expectedRevision === 'no_stream' && last === null) ||
          (expectedRevision === 'stream_exists' && last !== null) ||
          expectedRevision === actual;
        if (!holds) throw new WrongExpectedVersionError(stream, expectedRevision, actual);
        prev = lastHashOf(last ?? undefined);
      }
      const linked = linkEvents(prev, prepared);
      try {
        const result = via
          ? await via.append(stream, linked.events, actual)
          : await this.store.appendToStream(stream, linked.events, { expectedRevision: actual });
        return { revision: result.nextExpectedRevision, hash: linked.last, position: result.position };
      } catch (error) {
        const retry = error instanceof WrongExpectedVersionError && expectedRevision === 'any' && attempt < MAX_CHAIN_ATTEMPTS;
        if (!retry) throw error;
      }
    }
  }

  /**
   * Appends right after the stream as the caller saw it (exact revision, chained from its last hash), without
   * reading it again. Throws WrongExpectedVersionError when the stream moved on.
   */
  async appendAfter(
    stream: string,
    entries: ReadonlyArray<{ event: DomainEvent; context: CommandContext }>,
    view: StreamView,
  ): Promise<{ position: Position; revision: number; lastHash: string }> {
    const expected: ExpectedRevision = view.revision === null ? 'no_stream' : view.revision;
    const linked = linkEvents(view.lastHash, this.prepare(entries));
    const result = await this.store.appendToStream(stream, linked.events, { expectedRevision: expected });
    return { position: result.position, revision: result.nextExpectedRevision, lastHash: linked.last };
  }

  /** Validates each event against the catalogue and stamps its metadata (the chain link comes last). */
  private prepare(entries: ReadonlyArray<{ event: DomainEvent; context: CommandContext }>): EventToAppend[] {
    return entries.map(({ event, context }) => {
      const definition = this.catalogue.get(event.type);
      return {
        id: randomUUID(),
        type: event.type,
        data: this.catalogue.validate(event.type, event.data),
        metadata: eventMetadata(context, definition.schemaVersion),
      };
    });
  }

  private async readLastEvent(stream: string): Promise<RecordedEvent | null> {
    try {
      return (await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0] ?? null;
    } catch (error) {
      if (error instanceof StreamNotFoundError) return null;
      throw error;
    }
  }

  /** Every event of a stream in order; none when it does not exist. */
  async readStream(stream: string): Promise<RecordedEvent[]> {
    return this.readWholeStream(stream);
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
