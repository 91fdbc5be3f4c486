/**
 * A live `$all` subscription of the EventStoreDB test double: confirmation, catch-up from the requested position
 * (exclusive, as EventStoreDB's subscriptions from a position are), `caughtUp`, then live events; filtered
 * subscriptions also get checkpoints every `window × multiplier` scanned events.
 *
 * The subscription keeps a cursor into the log instead of a queue: when the client stops reading (gRPC flow
 * control fills the call's buffer, or a test says so with `clientsStopReading`) it stops writing and resumes from
 * the cursor. What a real server does with a client that stops reading while live depends on its generation
 * (slow-subscribers.ts): 23.10 ends the call, 24.10 falls back to catch-up reads.
 */
import { randomUUID } from 'node:crypto';
import type { ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import { ReadResp, type ReadReqMessage, type ReadRespMessage } from './proto.ts';
import type { LoggedEvent, MemoryLog } from './memory-log.ts';
import { comparePosition } from './one-shot-read.ts';
import type { LogPosition, ReadRequest } from './read-request.ts';
import { eventResponse } from './wire.ts';
import { SLOW_CLIENT_CAPACITY, consumerTooSlow, type ServerGeneration } from './slow-subscribers.ts';

export interface SubscriptionHooks {
  generation: ServerGeneration;
  /** True while a test pretends every subscribing client has stopped reading (its HTTP/2 window full). */
  clientsStopReading: () => boolean;
  onClose: () => void;
  onScan: () => void;
  /** A live subscription outgrew the server's buffers: 23.10 dropped it, 24.10 fell back to catch-up. */
  onSlowClient: (outcome: 'dropped' | 'fell_behind') => void;
}

export class AllSubscription {
  readonly #log: MemoryLog;
  readonly #call: ServerWritableStream<ReadReqMessage, ReadRespMessage>;
  readonly #request: ReadRequest;
  readonly #hooks: SubscriptionHooks;
  #cursor = 0;
  #caughtUp = false;
  #scannedSinceCheckpoint = 0;
  /** The last position sent on (an event or a checkpoint): where a 24.10 server's checkpoints stand. */
  #lastSent: LogPosition | null = null;
  /** 24.10: fell behind while the client did not read; owes it a checkpoint before catching up again. */
  #owesFellBehindCheckpoint = false;
  #stalled = false;
  #closed = false;
  #stopListening: () => void = () => {};

  constructor(
    log: MemoryLog,
    call: ServerWritableStream<ReadReqMessage, ReadRespMessage>,
    request: ReadRequest,
    hooks: SubscriptionHooks,
  ) {
    this.#log = log;
    this.#call = call;
    this.#request = request;
    this.#hooks = hooks;
  }

  start(): void {
    const from = this.#request.target.from;
    const all = this.#log.all();
    if (from === 'end') this.#cursor = all.length;
    else if (from !== 'start' && typeof from === 'object') {
      const after = all.findIndex((event) => comparePosition(event, from) > 0);
      this.#cursor = after < 0 ? all.length : after;
      this.#lastSent = from;
    }
    this.#call.on('cancelled', () => this.#close());
    this.#call.on('close', () => this.#close());
    this.#call.on('drain', () => this.pump());
    this.#stopListening = this.#log.onAppend(() => this.pump());
    this.#write(
      new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())),
    );
    this.pump();
  }

  /** Ends the call with an error status, as a dropped subscription looks to a client. */
  drop(error: Partial<StatusObject>): void {
    if (this.#closed) return;
    this.#close();
    this.#call.emit('error', error);
  }

  /**
   * A server-side stall: the call and the connection stay up (keepalive pings are answered), but nothing more is
   * sent on this subscription — no event, no checkpoint — whatever is appended.
   */
  stall(): void {
    this.#stalled = true;
  }

  /** Sends what the client may take now: catch-up, `caughtUp`, live events, checkpoints. */
  pump(): void {
    while (!this.#closed && !this.#stalled) {
      if (this.#call.writableNeedDrain || this.#hooks.clientsStopReading()) {
        this.#whileClientDoesNotRead();
        return;
      }
      if (this.#owesFellBehindCheckpoint) {
        this.#owesFellBehindCheckpoint = false;
        this.#sendCheckpoint(this.#lastSent);
      }
      const event = this.#log.all()[this.#cursor];
      if (event === undefined) {
        if (!this.#caughtUp) this.#goLive();
        return;
      }
      this.#cursor++;
      this.#send(event);
    }
  }

  #send(event: LoggedEvent): void {
    this.#hooks.onScan();
    this.#scannedSinceCheckpoint++;
    if (this.#request.filter === null || this.#request.filter(event)) {
      this.#write(eventResponse(event, this.#request.structuredIds));
      this.#lastSent = event;
    }
    const checkpointEvery = this.#request.checkpointEvery;
    if (checkpointEvery !== null && this.#scannedSinceCheckpoint >= checkpointEvery) this.#sendCheckpoint(event);
  }

  #goLive(): void {
    this.#caughtUp = true;
    // 24.10 issues a checkpoint when going live, so one comes within every interval (AllSubscriptionFiltered).
    if (this.#hooks.generation === '24.10') this.#sendCheckpoint(this.#lastSent);
    this.#write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
  }

  #sendCheckpoint(position: LogPosition | null): void {
    if (this.#request.checkpointEvery === null || position === null) return;
    this.#scannedSinceCheckpoint = 0;
    const checkpoint = new ReadResp.Checkpoint()
      .setCommitPosition(position.commit.toString())
      .setPreparePosition(position.prepare.toString());
    this.#write(new ReadResp().setCheckpoint(checkpoint));
    this.#lastSent = position;
  }

  /** A live subscription whose client does not read outgrows the server's buffers after SLOW_CLIENT_CAPACITY. */
  #whileClientDoesNotRead(): void {
    if (!this.#caughtUp) return; // catch-up reads wait for the client in both generations
    if (this.#log.all().length - this.#cursor <= SLOW_CLIENT_CAPACITY) return;
    if (this.#hooks.generation === '23.10') {
      this.#hooks.onSlowClient('dropped');
      this.drop(consumerTooSlow());
      return;
    }
    // 24.10: the live channel dropped its oldest events; the gap sends the subscription back to reading the log.
    this.#hooks.onSlowClient('fell_behind');
    this.#caughtUp = false;
    this.#owesFellBehindCheckpoint = true;
  }

  #write(response: ReadRespMessage): void {
    if (!this.#closed) this.#call.write(response);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    this.#hooks.onClose();
  }
}
