import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../domain/decider.ts';
import type { EventCatalogue } from '../domain/event-catalogue.ts';
import { StreamNotFoundError, WrongExpectedVersionError } from '../eventstore/errors.ts';
import { lastHashOf, linkEvents } from '../eventstore/hash-chain.ts';
import type { EventStore, EventToAppend, RecordedEvent } from '../eventstore/port.ts';
import { eventMetadata, type CommandContext } from './metadata.ts';
import type { PersonalDataSealer } from './personal-data-sealer.ts';
import type { AppendedTip, StreamTip } from './stream-tip.ts';

/** An event to append and the context it is recorded with (actor, correlation, causation, time). */
export interface EventEntry {
  event: DomainEvent;
  context: CommandContext;
}

/** `appendEachAfter` never re-decides, it only re-reads the last hash of a busy stream: it may retry longer. */
const MAX_CHAIN_ATTEMPTS = 50;

/**
 * Appends to hash-chained streams after a remembered tip: every event validated against the catalogue, stamped
 * with its metadata and linked to the event before it. The event-sourced command handler appends its decisions
 * through `appendAfter`; writers whose order of arrival is the truth (telemetry) use `appendEachAfter`.
 */
export class ChainedAppends {
  constructor(
    private readonly store: EventStore,
    private readonly catalogue: EventCatalogue,
    /** Seals personal values before the chain is linked; absent, they are written in the clear (tests only). */
    private readonly sealer?: PersonalDataSealer,
  ) {}

  /**
   * Appends right after the stream as the caller saw it (exact revision, chained from its last hash), without
   * reading it again. Throws WrongExpectedVersionError when the stream moved on.
   */
  async appendAfter(stream: string, entries: readonly EventEntry[], tip: StreamTip): Promise<AppendedTip> {
    const linked = linkEvents(tip.lastHash, await this.prepare(entries));
    const result = await this.store.appendToStream(stream, linked.events, {
      expectedRevision: tip.revision ?? 'no_stream',
    });
    return { revision: result.nextExpectedRevision, lastHash: linked.last, position: result.position };
  }

  /**
   * Appends wherever the stream stands (expected revision "any"), for a writer that remembers where its last
   * append left the stream (`tip`, null when unknown): it links to that and appends with that exact revision,
   * skipping the read of the last event. When another writer got in between, the append fails on the revision and
   * this reads the last event and tries again. Returns the new tip for the next call.
   */
  async appendEachAfter(stream: string, entries: readonly EventEntry[], tip: StreamTip | null): Promise<AppendedTip> {
    const prepared = await this.prepare(entries);
    let known = tip;
    for (let attempt = 1; ; attempt++) {
      const at = known ?? (await this.readTip(stream));
      known = null;
      const linked = linkEvents(at.lastHash, prepared);
      const expectedRevision = at.revision ?? 'no_stream';
      try {
        const result = await this.store.appendToStream(stream, linked.events, { expectedRevision });
        return { revision: result.nextExpectedRevision, lastHash: linked.last, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError) || attempt >= MAX_CHAIN_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Validates each event against the catalogue, stamps its metadata and seals its personal values (the chain
   * link comes last, over the sealed form).
   */
  private async prepare(entries: readonly EventEntry[]): Promise<EventToAppend[]> {
    return Promise.all(
      entries.map(async ({ event, context }) => {
        const definition = this.catalogue.get(event.type);
        const unsealed = {
          type: event.type,
          data: this.catalogue.validate(event.type, event.data),
          metadata: eventMetadata(context, definition.schemaVersion),
        };
        const sealed = this.sealer ? await this.sealer.seal(unsealed, context.actor) : unsealed;
        return { id: randomUUID(), ...sealed };
      }),
    );
  }

  /** Where the stream stands now: its last event, read backwards (one). */
  private async readTip(stream: string): Promise<StreamTip> {
    let last: RecordedEvent | undefined;
    try {
      last = (await this.store.readStream(stream, { direction: 'backwards', maxCount: 1 }))[0];
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    return { revision: last?.revision ?? null, lastHash: lastHashOf(last) };
  }
}
