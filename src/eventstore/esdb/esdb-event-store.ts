/**
 * The EventStore port over EventStoreDB, through @eventstore/db-client 6.x (the production store).
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  jsonEvent,
  type ReadRevision,
} from '@eventstore/db-client';
import type { Observable } from 'rxjs';
import { encodePosition } from '../position.ts';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  Position,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamAppendOutcome,
  SubscribeToAllOptions,
} from '../port.ts';
import { checkStreamAppends } from '../check-stream-appends.ts';
import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.ts';
import { toPortError } from './client-errors.ts';
import { EmptyRanges } from './empty-ranges.ts';
import { toClientExpectedRevision } from './expected-revision.ts';
import type { TrackRead } from './call-deadline.ts';
import { DEFAULT_RETRY, retryTransient, type RetryPolicy } from './transient-retry.ts';
import { DEFAULT_MAX_APPEND_BYTES, splitBySize } from '../append-size.ts';
import { headPosition } from './head-position.ts';
import { ping } from './ping.ts';
import { readAllPage } from './read-all-page.ts';
import { positionOf, toRecordedEvent } from './recorded-event.ts';
import { resubscribingAllSubscription } from './resubscribing-all-subscription.ts';
import { SharedRead } from '../shared-read.ts';

export interface EsdbEventStoreOptions {
  /** Resubscription after a dropped `$all` subscription. */
  backoff?: BackoffPolicy;
  /** Events a subscription buffers before pausing its gRPC call (see resubscribing-all-subscription.ts). */
  subscriptionHighWaterMark?: number;
  /** How long ping() waits for an answer. */
  pingTimeoutMs?: number;
  /**
   * Retries of appends and reads through transient server states: total bound (EVENT_STORE_RETRY_TOTAL_MS), the
   * deadline of one attempt (EVENT_STORE_CALL_TIMEOUT_MS, also how long a subscription waits for the server's
   * confirmation), and the backoff between attempts.
   */
  retry?: Partial<RetryPolicy>;
  /** The server's MaxAppendSize: appendToStreams appends a larger stream part in consecutive appends under it. */
  maxAppendBytes?: number;
  /**
   * Silence after which a confirmed subscription's server is suspected of a stall (EVENT_STORE_SUBSCRIPTION_IDLE_MS,
   * subscription-liveness.ts): the head is read, and a subscription the log has grown past is resubscribed.
   */
  subscriptionIdleMs?: number;
}

export class EsdbEventStore implements EventStore {
  readonly kind = 'esdb' as const;
  readonly #client: EventStoreDBClient;
  readonly #options: Required<Omit<EsdbEventStoreOptions, 'retry'>> & { retry: RetryPolicy };
  /** Per filter, the stretch of `$all` after a reader's checkpoint already scanned in vain (see empty-ranges.ts). */
  readonly #emptyRanges = new EmptyRanges();
  /** The head as the liveness watches of all subscriptions probe it: one read per idle period, not one each. */
  readonly #probedHead = new SharedRead(() => this.headPosition());

  /** `connectionString` as EventStoreDB documents it, e.g. `esdb://localhost:2113?tls=false`. */
  constructor(connectionString: string, options: EsdbEventStoreOptions = {}) {
    this.#client = EventStoreDBClient.connectionString(connectionString);
    this.#options = {
      backoff: options.backoff ?? DEFAULT_BACKOFF,
      subscriptionHighWaterMark: options.subscriptionHighWaterMark ?? 64,
      pingTimeoutMs: options.pingTimeoutMs ?? 2_000,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      maxAppendBytes: options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES,
      subscriptionIdleMs: options.subscriptionIdleMs ?? 30_000,
    };
  }

  async appendToStream(
    stream: string,
    events: readonly EventToAppend[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const proposed = events.map((event) =>
      // Our ids go through, so a retried append with the same ids is recognised as already written.
      jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata }),
    );
    try {
      // Every attempt carries the same ids and expected revision: safe after a Timeout that committed anyway.
      const result = await retryTransient(`an append to ${stream}`, this.#options.retry, () =>
        this.#client.appendToStream(stream, proposed, {
          expectedRevision: toClientExpectedRevision(options.expectedRevision),
        }),
      );
      const nextExpectedRevision = Number(result.nextExpectedRevision);
      const position =
        result.position === undefined
          ? await this.#positionOfRevision(stream, nextExpectedRevision)
          : encodePosition(BigInt(result.position.commit), BigInt(result.position.prepare));
      return { nextExpectedRevision, position };
    } catch (error) {
      throw toPortError(error, { streamName: stream, expected: options.expectedRevision });
    }
  }

  /**
   * Client 6.x has no multi-stream transaction: the appends go out in parallel (one gRPC call each, multiplexed
   * on one connection), each with its own outcome — the port's contract, which is not atomic across streams.
   */
  async appendToStreams(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    checkStreamAppends(appends);
    return Promise.all(
      appends.map((append) =>
        this.#appendInParts(append).catch((error: unknown) =>
          error instanceof Error ? error : new Error(String(error)),
        ),
      ),
    );
  }

  /**
   * One stream's part of appendToStreams, in consecutive appends each under the server's MaxAppendSize (one
   * append when it fits, the usual case). Each part expects the revision the previous one ended at, so a retry of
   * the whole with the same ids finds the parts already written and goes on from there.
   */
  async #appendInParts({ stream, events, expectedRevision }: StreamAppend): Promise<AppendResult> {
    let expected = expectedRevision;
    let result: AppendResult | null = null;
    for (const part of splitBySize(events, this.#options.maxAppendBytes)) {
      result = await this.appendToStream(stream, part, { expectedRevision: expected });
      expected = result.nextExpectedRevision;
    }
    if (result === null) throw new TypeError(`appendToStreams needs at least one event for ${stream}`);
    return result;
  }

  /**
   * An idempotent re-append may be acknowledged without a position; the caller still needs the position of the
   * stream's event at that revision (for read-your-writes), so read it.
   */
  async #positionOfRevision(stream: string, revision: number): Promise<Position> {
    let position: Position | undefined;
    await retryTransient(`a read of ${stream}`, this.#options.retry, async (track) => {
      // Read to the end (one event) rather than returning mid-iteration: a read abandoned early stays open in the
      // client until dispose(), and dispose() would wait for it forever.
      const read = track(
        this.#client.readStream(stream, { direction: BACKWARDS, fromRevision: BigInt(revision), maxCount: 1 }),
      );
      for await (const resolved of read) {
        if (resolved.event !== undefined) position = positionOf(resolved.event);
      }
    });
    if (position === undefined)
      throw new Error(`EventStoreDB acknowledged ${stream}@${revision} but the event cannot be read`);
    return position;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const direction = options.direction ?? 'forwards';
    const fromRevision: ReadRevision =
      options.fromRevision === undefined ? (direction === 'forwards' ? START : END) : BigInt(options.fromRevision);
    const read = async (track: TrackRead): Promise<RecordedEvent[]> => {
      const events: RecordedEvent[] = [];
      const streamRead = track(
        this.#client.readStream(stream, {
          direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
          fromRevision,
          ...(options.maxCount === undefined ? {} : { maxCount: options.maxCount }),
        }),
      );
      // The client reports a missing stream while iterating, not when readStream is called.
      for await (const resolved of streamRead) {
        if (resolved.event !== undefined) events.push(toRecordedEvent(resolved.event));
      }
      return events;
    };
    try {
      return await retryTransient(`a read of ${stream}`, this.#options.retry, read);
    } catch (error) {
      throw toPortError(error, { streamName: stream });
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    try {
      return await retryTransient('a read of $all', this.#options.retry, (track) =>
        readAllPage(this.#client, options, this.#emptyRanges, track),
      );
    } catch (error) {
      throw toPortError(error);
    }
  }

  async headPosition(): Promise<Position | null> {
    try {
      return await retryTransient('a read of the head of $all', this.#options.retry, (track) =>
        headPosition(this.#client, track),
      );
    } catch (error) {
      throw toPortError(error);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Observable<RecordedEvent> {
    return resubscribingAllSubscription(this.#client, options, {
      backoff: this.#options.backoff,
      highWaterMark: this.#options.subscriptionHighWaterMark,
      confirmationTimeoutMs: this.#options.retry.attemptTimeoutMs,
      emptyRanges: this.#emptyRanges,
      liveness: {
        idleMs: this.#options.subscriptionIdleMs,
        head: () => this.#probedHead.recent(this.#options.subscriptionIdleMs),
      },
    });
  }

  ping(): Promise<void> {
    return ping(this.#client, this.#options.pingTimeoutMs);
  }

  async close(): Promise<void> {
    await this.#client.dispose();
  }
}
