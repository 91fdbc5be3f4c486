import type { Observable } from 'rxjs';

/**
 * The event store port. Every adapter (PostgreSQL/PGlite through Knex, EventStoreDB) implements it, and one
 * contract suite (test/eventstore/contract.ts) runs against each of them.
 */

/** Revision of an event inside its stream: 0 for the first event. */
export type StreamRevision = number;

/**
 * What the writer believes about the stream before appending:
 * - `no_stream`: the stream must not exist (used for uniqueness reservations);
 * - `stream_exists`: it must have at least one event;
 * - `any`: no check;
 * - a number: the revision of the stream's last event must be exactly that.
 */
export type ExpectedRevision = 'no_stream' | 'stream_exists' | 'any' | StreamRevision;

/**
 * A checkpoint in the global (`$all`) order. Opaque to callers, but every adapter encodes positions as
 * fixed-width strings so that plain string comparison is the global order (see position.ts).
 */
export type Position = string;

export type JsonObject = { [key: string]: unknown };

export interface EventToAppend {
  /** Event id (UUID). Appending the same ids again to the same stream is idempotent. */
  id: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
}

export interface RecordedEvent {
  id: string;
  streamName: string;
  revision: StreamRevision;
  position: Position;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created: Date;
  /**
   * Set by the opening store (personal-data/opening-event-store.ts) when it opened sealed personal values: the
   * data and metadata as stored, ciphertext included (what the audit index keeps, and what the hash chain covers).
   */
  sealed?: { data: JsonObject; metadata: JsonObject };
}

export interface AppendResult {
  /** Revision of the stream's last event after the append: pass it as `expectedRevision` next time. */
  nextExpectedRevision: StreamRevision;
  /** Global position of the last appended event: wait for projections to pass it for read-your-writes. */
  position: Position;
}

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
}

/** One stream's part of a multi-stream append (`appendToStreams`). */
export interface StreamAppend {
  stream: string;
  events: readonly EventToAppend[];
  expectedRevision: ExpectedRevision;
}

/**
 * What happened to one stream of a multi-stream append: its AppendResult, or the error appending it alone would
 * have thrown — a WrongExpectedVersionError when its expectation did not hold, another Error when it failed
 * otherwise (the other streams of the batch are not affected).
 */
export type StreamAppendOutcome = AppendResult | Error;

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the first event (forwards) or the last one (backwards). */
  fromRevision?: StreamRevision;
  maxCount?: number;
}

/** A server-side filter on `$all`: exact event type names, or stream-name prefixes (never both at once). */
export type AllFilter = { eventTypes: readonly string[] } | { streamPrefixes: readonly string[] };

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. `null`/absent reads from the start of the log. */
  after?: Position | null;
  filter?: AllFilter | undefined;
  /** Defaults to 1000; adapters may cap it. */
  maxCount?: number;
}

export interface CountEventsOptions {
  after?: Position | null;
  filter?: AllFilter;
  limit?: number;
}

export interface SubscribeToAllOptions {
  /** Exclusive, as in `readAll`. */
  after?: Position | null;
  filter?: AllFilter;
}

export type EventStoreKind = 'pglite' | 'postgres' | 'esdb';

export interface EventStore {
  readonly kind: EventStoreKind;

  /** Throws WrongExpectedVersionError when `expectedRevision` does not hold. */
  appendToStream(stream: string, events: readonly EventToAppend[], options: AppendOptions): Promise<AppendResult>;

  /**
   * Optional: appends to several streams at once, as cheaply as the store allows (one round trip and one
   * transaction on PostgreSQL). NOT atomic across streams: each stream keeps its own expected-revision check and
   * its idempotency by event ids, and gets its own outcome, in the order of `appends`. Each stream may appear only
   * once (TypeError otherwise) and needs at least one event. Rejects only when the whole call failed (the store is
   * unreachable); then any stream may or may not have been appended — retrying with the same event ids is safe.
   */
  appendToStreams?(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]>;

  /** Throws StreamNotFoundError when the stream has no events. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** One page of `$all` in global order, strictly after `options.after`. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  /**
   * Optional: how many events `readAll` with these options would return page after page, counting at most
   * `limit` when given (progress bars, projection lag). Adapters that cannot count cheaply leave it out.
   */
  countEvents?(options: CountEventsOptions): Promise<number>;

  /** Position of the newest event a reader of `$all` can see now, or null for an empty store. */
  headPosition(): Promise<Position | null>;

  /**
   * Catch-up subscription: every matching event after `options.after` in global order, then live events, each
   * exactly once. The Observable errors if the store becomes unreachable; unsubscribe to stop.
   */
  subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent>;

  /** Throws when the store cannot be reached (used by readiness checks). */
  ping(): Promise<void>;

  close(): Promise<void>;
}
