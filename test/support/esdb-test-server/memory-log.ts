/**
 * The in-memory transaction log behind the EventStoreDB test double: streams, revisions, global positions,
 * expected-revision checks and idempotent re-appends, following EventStoreDB's documented semantics.
 * No gRPC here; see esdb-test-server.ts for the wire side.
 */

/** What the writer expects, as EventStoreDB models it on the wire. */
export type LogExpectation =
  { kind: 'any' } | { kind: 'no_stream' } | { kind: 'stream_exists' } | { kind: 'revision'; revision: bigint };

export interface ProposedEvent {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

export interface LoggedEvent extends ProposedEvent {
  streamName: string;
  revision: bigint;
  /** Log position of the event's record. The double writes one record per event, so commit = prepare. */
  commit: bigint;
  prepare: bigint;
  /** .NET ticks (100 ns) since the Unix epoch, as EventStoreDB puts it in the `created` metadata entry. */
  createdTicks: bigint;
}

export type AppendOutcome =
  | { kind: 'success'; lastRevision: bigint; position: { commit: bigint; prepare: bigint } | null }
  | { kind: 'wrong_expected_version'; currentRevision: bigint | null }
  | { kind: 'stream_deleted' };

/** The revision EventStoreDB gives a tombstone (`$streamDeleted`) record: long.MaxValue. */
export const TOMBSTONE_REVISION = 9_223_372_036_854_775_807n;

/** EventStoreDB's log does not start at 0 and records have sizes: positions are sparse and increasing. */
const FIRST_LOG_POSITION = 1_024n;
const RECORD_HEADER_BYTES = 96n;

export class MemoryLog {
  readonly #all: LoggedEvent[] = [];
  readonly #streams = new Map<string, LoggedEvent[]>();
  readonly #listeners = new Set<() => void>();
  /** Hard-deleted streams: never written again, and reading them fails with StreamDeleted. */
  readonly #tombstoned = new Set<string>();
  /** Soft-deleted streams: `$tb` (truncate before) from their `$$` metadata; earlier events are invisible. */
  readonly #truncateBefore = new Map<string, bigint>();
  #nextLogPosition = FIRST_LOG_POSITION;

  /** Events of `$all` in log order (a snapshot array: later appends do not change it). */
  all(): readonly LoggedEvent[] {
    return this.#all;
  }

  /** The stream's events; undefined when it has none a reader can see (never written, or soft-deleted). */
  stream(name: string): readonly LoggedEvent[] | undefined {
    const events = this.#streams.get(name);
    const truncateBefore = this.#truncateBefore.get(name);
    if (events === undefined || truncateBefore === undefined) return events;
    const visible = events.filter((event) => event.revision >= truncateBefore);
    return visible.length === 0 ? undefined : visible;
  }

  isTombstoned(name: string): boolean {
    return this.#tombstoned.has(name);
  }

  /**
   * Hard delete (tombstone), as EventStoreDB does it: a `$streamDeleted` record in the stream itself at revision
   * long.MaxValue. The events stay in `$all`; the stream can never be read or written again.
   */
  tombstone(name: string): void {
    this.#writeRecord(name, TOMBSTONE_REVISION, systemRecord('$streamDeleted', {}));
    this.#tombstoned.add(name);
  }

  /**
   * Soft delete, as EventStoreDB does it: a `$metadata` record in `$$<stream>` with `$tb` (truncate before) = the
   * next revision. The stream reads as not found; a later append re-creates it, its revisions going on.
   */
  softDelete(name: string): void {
    const next = BigInt(this.#streams.get(name)?.length ?? 0);
    const metadataStream = `$$${name}`;
    const revision = BigInt(this.#streams.get(metadataStream)?.length ?? 0);
    const record = this.#writeRecord(metadataStream, revision, systemRecord('$metadata', { $tb: Number(next) }));
    this.#streams.set(metadataStream, [...(this.#streams.get(metadataStream) ?? []), record]);
    this.#truncateBefore.set(name, next);
  }

  /** Writes one record to `$all` (not to the stream's own list) and wakes subscriptions. */
  #writeRecord(streamName: string, revision: bigint, event: ProposedEvent): LoggedEvent {
    const position = this.#nextLogPosition;
    this.#nextLogPosition += RECORD_HEADER_BYTES + BigInt(event.data.length + event.type.length + streamName.length);
    const record = {
      ...event,
      streamName,
      revision,
      commit: position,
      prepare: position,
      createdTicks: BigInt(Date.now()) * 10_000n,
    };
    this.#all.push(record);
    for (const listener of [...this.#listeners]) listener();
    return record;
  }

  /** Called after every successful append that wrote something (subscriptions pump from here). */
  onAppend(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  append(streamName: string, expectation: LogExpectation, events: readonly ProposedEvent[]): AppendOutcome {
    if (this.#tombstoned.has(streamName)) return { kind: 'stream_deleted' };
    const existing = this.#streams.get(streamName) ?? [];
    // A soft-deleted stream with nothing after its truncation point is "no stream" to an expectation.
    const currentRevision =
      existing.length === 0 || this.stream(streamName) === undefined ? null : BigInt(existing.length - 1);

    const idempotent = this.#idempotentMatch(existing, expectation, events);
    if (idempotent === 'corrupted') return { kind: 'wrong_expected_version', currentRevision };
    if (idempotent !== null) {
      // EventStoreDB acknowledges a repeated write with the revision of the original write; this double answers
      // without a position (as the server may), so clients must not rely on one for idempotent writes.
      return { kind: 'success', lastRevision: idempotent, position: null };
    }
    if (!this.#expectationHolds(expectation, currentRevision)) {
      return { kind: 'wrong_expected_version', currentRevision };
    }
    if (events.length === 0) {
      return { kind: 'success', lastRevision: currentRevision ?? -1n, position: null };
    }

    const stream = existing.length === 0 ? [] : existing;
    const createdTicks = BigInt(Date.now()) * 10_000n;
    let last: LoggedEvent | undefined;
    for (const event of events) {
      const position = this.#nextLogPosition;
      this.#nextLogPosition +=
        RECORD_HEADER_BYTES +
        BigInt(event.data.length + event.customMetadata.length + event.type.length + streamName.length);
      last = {
        ...event,
        streamName,
        revision: BigInt(stream.length),
        commit: position,
        prepare: position,
        createdTicks,
      };
      stream.push(last);
      this.#all.push(last);
    }
    this.#streams.set(streamName, stream);
    for (const listener of [...this.#listeners]) listener();
    const written = last as LoggedEvent;
    return {
      kind: 'success',
      lastRevision: written.revision,
      position: { commit: written.commit, prepare: written.prepare },
    };
  }

  #expectationHolds(expectation: LogExpectation, currentRevision: bigint | null): boolean {
    switch (expectation.kind) {
      case 'any':
        return true;
      case 'no_stream':
        return currentRevision === null;
      case 'stream_exists':
        return currentRevision !== null;
      case 'revision':
        return currentRevision === expectation.revision;
    }
  }

  /**
   * EventStoreDB's idempotency check: when the proposed ids are already in the stream, in the same order, at the
   * place the expectation points to (or anywhere, for `any`/`stream_exists`), the write succeeds without writing.
   * A partial overlap is "corrupted idempotency", which the server reports as a wrong expected version.
   * Returns the revision of the last matched event, null when the write is new, or 'corrupted'.
   */
  #idempotentMatch(
    existing: readonly LoggedEvent[],
    expectation: LogExpectation,
    events: readonly ProposedEvent[],
  ): bigint | null | 'corrupted' {
    const first = events[0];
    if (first === undefined || existing.length === 0) return null;
    let start: number;
    if (expectation.kind === 'no_stream') start = 0;
    else if (expectation.kind === 'revision') start = Number(expectation.revision) + 1;
    else start = existing.findIndex((event) => event.id === first.id);
    if (start < 0 || start >= existing.length || existing[start]?.id !== first.id) return null;
    for (let offset = 0; offset < events.length; offset++) {
      if (existing[start + offset]?.id !== events[offset]?.id) return 'corrupted';
    }
    return BigInt(start + events.length - 1);
  }
}

/** A record the server writes itself (JSON, `$`-prefixed type). */
function systemRecord(type: string, data: Record<string, unknown>): ProposedEvent {
  return {
    id: crypto.randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from(JSON.stringify(data)),
    customMetadata: new Uint8Array(),
  };
}
