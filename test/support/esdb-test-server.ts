/**
 * A test double for CI, not an event store for users.
 *
 * An in-memory gRPC server that answers the EventStoreDB calls @eventstore/db-client 6.x makes for the
 * `esdb` adapter — ServerFeatures.GetSupportedMethods, Streams.Append, Streams.BatchAppend and Streams.Read
 * (stream reads, $all reads, $all subscriptions with filters, caughtUp and checkpoints) — following
 * EventStoreDB's documented semantics, so that the adapter's tests run without Docker. It keeps nothing on disk,
 * has no security, no stream subscriptions, no projections, no cluster. Run the same tests against a
 * real server with TEST_EVENTSTORE_URL.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { ServerFeaturesService, StreamsService } from './esdb-test-server/proto.ts';
import { MemoryLog } from './esdb-test-server/memory-log.ts';
import type { AllSubscription } from './esdb-test-server/all-subscription.ts';
import { handleAppend, handleBatchAppend } from './esdb-test-server/append-handlers.ts';
import { handleRead, newReadStats, type ReadStats } from './esdb-test-server/read-handler.ts';
import { handleGetSupportedMethods } from './esdb-test-server/server-features-handler.ts';
import { FaultSwitch } from './esdb-test-server/faults.ts';
import { DEFAULT_MAX_APPEND_SIZE } from './esdb-test-server/append-limits.ts';
import type { ServerGeneration } from './esdb-test-server/slow-subscribers.ts';

export interface EsdbTestServerOptions {
  /** List BatchAppend in the server features (as servers since 21.10 do). Default true; false forces Append. */
  batchAppend?: boolean;
  /** The server's MaxAppendSize (bytes by its own formula, see append-limits.ts). Default 1 MiB, as the server's. */
  maxAppendSize?: number;
  /**
   * A secure server's default ACL: reading or subscribing to `$all` needs a user in `$admins`. The double knows no
   * users, so every `$all` read is denied (PERMISSION_DENIED "Access Denied"). Default false, like the insecure
   * single node of docker-compose.yml.
   */
  allRequiresAdmin?: boolean;
  /**
   * The server generation the double plays: the version it reports and what it does with a live subscriber that
   * stops reading (esdb-test-server/slow-subscribers.ts: 23.10 drops it, 24.10 falls back to catch-up). Default
   * 24.10, the version docker-compose.yml runs.
   */
  generation?: ServerGeneration;
}

export class EsdbTestServer {
  readonly log = new MemoryLog();
  /** Counters of what clients asked to read (cumulative; tests take differences). */
  readonly stats: ReadStats = newReadStats();
  /** Transient server states, switchable per test (see esdb-test-server/faults.ts). */
  readonly faults = new FaultSwitch();
  readonly #subscriptions = new Set<AllSubscription>();
  readonly #options: Required<EsdbTestServerOptions>;
  #server: Server | null = null;
  #port = 0;
  #clientsStopReading = false;

  private constructor(options: EsdbTestServerOptions) {
    this.#options = {
      batchAppend: options.batchAppend ?? true,
      maxAppendSize: options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE,
      allRequiresAdmin: options.allRequiresAdmin ?? false,
      generation: options.generation ?? '24.10',
    };
    seedSystemEvents(this.log);
  }

  static async start(options: EsdbTestServerOptions = {}): Promise<EsdbTestServer> {
    const server = new EsdbTestServer(options);
    await server.#listen(0);
    return server;
  }

  /** Connection string for EventStoreDBClient.connectionString. */
  get url(): string {
    return `esdb://127.0.0.1:${this.#port}?tls=false`;
  }

  /** Number of $all subscriptions currently being served. */
  get subscriptionCount(): number {
    return this.#subscriptions.size;
  }

  /** Ends every live subscription with an error status (default UNAVAILABLE), as a failing node would. */
  dropSubscriptions(code: status = status.UNAVAILABLE): void {
    for (const subscription of [...this.#subscriptions]) {
      subscription.drop({ code, details: 'Subscription dropped by the test server' });
    }
  }

  /**
   * Until `clientsReadAgain`, the server treats every subscribing client as one that stopped reading (its HTTP/2
   * window full): live events pile up, and past the server's buffers the generation decides (slow-subscribers.ts).
   */
  clientsStopReading(): void {
    this.#clientsStopReading = true;
  }

  clientsReadAgain(): void {
    this.#clientsStopReading = false;
    for (const subscription of [...this.#subscriptions]) subscription.pump();
  }

  /**
   * Every subscription open now stalls on the server: confirmed, its call and connection up, but nothing more is
   * sent on it (no event, no checkpoint). Subscriptions opened later are served normally.
   */
  stallSubscriptions(): void {
    for (const subscription of this.#subscriptions) subscription.stall();
  }

  /** Stops listening (cutting every connection) and listens again on the same port with the same data. */
  async restart(): Promise<void> {
    await this.stop();
    await this.#listen(this.#port);
  }

  /**
   * The first half of a node restart: every connection is cut and new ones are refused (ECONNREFUSED) until
   * `comeUp`. The data stays.
   */
  async goDown(): Promise<void> {
    await this.stop();
  }

  /**
   * The second half: listens again on the same port. A restarted node answers "not ready" while it replays its
   * log and joins the cluster: pass `notReadyFor` to serve that many calls with NotReady first.
   */
  async comeUp(options: { notReadyFor?: number } = {}): Promise<void> {
    if (options.notReadyFor !== undefined) this.faults.inject('not_ready', { times: options.notReadyFor });
    await this.#listen(this.#port);
  }

  async stop(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    if (server === null) return;
    this.dropSubscriptions();
    server.forceShutdown();
  }

  /** Appends a system event (`$`-prefixed type and stream), as the server writes on its own. */
  appendSystemEvent(stream = '$stats-127.0.0.1:2113', type = '$statsCollected'): void {
    this.log.append(stream, { kind: 'any' }, [systemEvent(type)]);
  }

  /**
   * Writes a `$>` link event, as EventStoreDB's system projections do (`$ce-…`, `$et-…`): data `revision@stream`
   * pointing at an event that is already in the log. Readers of `$all` must not take it for a second copy.
   */
  appendLinkEvent(linkStream: string, target: { streamName: string; revision: number }): void {
    this.log.append(linkStream, { kind: 'any' }, [
      {
        id: crypto.randomUUID(),
        type: '$>',
        contentType: 'application/octet-stream',
        data: Buffer.from(`${target.revision}@${target.streamName}`),
        customMetadata: new Uint8Array(),
      },
    ]);
  }

  async #listen(port: number): Promise<void> {
    const server = new Server();
    server.addService(ServerFeaturesService, {
      getSupportedMethods: handleGetSupportedMethods({
        batchAppend: this.#options.batchAppend,
        faults: this.faults,
        generation: this.#options.generation,
      }),
    });
    const appendContext = { log: this.log, faults: this.faults, maxAppendSize: this.#options.maxAppendSize };
    const streams = {
      read: handleRead(this.log, this.#subscriptions, this.stats, this.faults, {
        generation: this.#options.generation,
        allRequiresAdmin: this.#options.allRequiresAdmin,
        clientsStopReading: () => this.#clientsStopReading,
      }),
      append: handleAppend(appendContext),
      ...(this.#options.batchAppend ? { batchAppend: handleBatchAppend(appendContext) } : {}),
    };
    server.addService(StreamsService, streams);
    this.#port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      );
    });
    this.#server = server;
    // After an election the client reconnects to the leader NotLeader names: here, the double itself.
    this.faults.leader = { host: '127.0.0.1', port: this.#port };
  }
}

function systemEvent(type: string) {
  return {
    id: crypto.randomUUID(),
    type,
    contentType: 'application/json',
    data: Buffer.from('{}'),
    customMetadata: new Uint8Array(),
  };
}

/** A fresh EventStoreDB already has system events in $all; readers must skip them. */
function seedSystemEvents(log: MemoryLog): void {
  log.append('$settings', { kind: 'no_stream' }, [systemEvent('$settings')]);
  log.append('$$$scavenges', { kind: 'no_stream' }, [systemEvent('$metadata')]);
}
