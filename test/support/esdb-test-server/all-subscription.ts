/**
 * A live `$all` subscription of the EventStoreDB test double: confirmation, catch-up from the requested position
 * (exclusive, as EventStoreDB's subscriptions from a position are), `caughtUp`, then live events; filtered
 * subscriptions also get checkpoints every `window × multiplier` scanned events.
 *
 * The subscription keeps a cursor into the log instead of a queue: when the client stops reading (gRPC
 * flow control fills the call's buffer) it simply stops writing and resumes from the cursor on `drain`. The log
 * is the buffer, so a slow client costs no memory — the same effect as EventStoreDB dropping a lagging live
 * subscription back to catch-up reads (the double does not send the `fellBehind` notice for it).
 */
import { randomUUID } from 'node:crypto';
import type { ServerWritableStream, StatusObject } from '@grpc/grpc-js';
import { ReadResp, type ReadReqMessage, type ReadRespMessage } from './proto.ts';
import type { MemoryLog } from './memory-log.ts';
import { comparePosition } from './one-shot-read.ts';
import type { ReadRequest } from './read-request.ts';
import { eventResponse } from './wire.ts';

export class AllSubscription {
  readonly #log: MemoryLog;
  readonly #call: ServerWritableStream<ReadReqMessage, ReadRespMessage>;
  readonly #request: ReadRequest;
  readonly #onClose: () => void;
  #cursor = 0;
  #caughtUp = false;
  #scannedSinceCheckpoint = 0;
  #closed = false;
  #stopListening: () => void = () => {};

  readonly #onScan: () => void;

  constructor(
    log: MemoryLog,
    call: ServerWritableStream<ReadReqMessage, ReadRespMessage>,
    request: ReadRequest,
    onClose: () => void,
    onScan: () => void = () => {},
  ) {
    this.#onScan = onScan;
    this.#log = log;
    this.#call = call;
    this.#request = request;
    this.#onClose = onClose;
  }

  start(): void {
    const from = this.#request.target.from;
    const all = this.#log.all();
    if (from === 'end') this.#cursor = all.length;
    else if (from !== 'start' && typeof from === 'object') {
      const after = all.findIndex((event) => comparePosition(event, from) > 0);
      this.#cursor = after < 0 ? all.length : after;
    }
    this.#call.on('cancelled', () => this.#close());
    this.#call.on('close', () => this.#close());
    this.#call.on('drain', () => this.#pump());
    this.#stopListening = this.#log.onAppend(() => this.#pump());
    this.#write(
      new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())),
    );
    this.#pump();
  }

  /** Ends the call with an error status, as a dropped subscription looks to a client. */
  drop(error: Partial<StatusObject>): void {
    if (this.#closed) return;
    this.#close();
    this.#call.emit('error', error);
  }

  #pump(): void {
    const filter = this.#request.filter;
    const checkpointEvery = this.#request.checkpointEvery;
    while (!this.#closed && !this.#call.writableNeedDrain) {
      const event = this.#log.all()[this.#cursor];
      if (event === undefined) {
        if (!this.#caughtUp) {
          this.#caughtUp = true;
          this.#write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
        }
        return;
      }
      this.#cursor++;
      this.#onScan();
      this.#scannedSinceCheckpoint++;
      if (filter === null || filter(event)) {
        this.#write(eventResponse(event, this.#request.structuredIds));
      }
      if (checkpointEvery !== null && this.#scannedSinceCheckpoint >= checkpointEvery) {
        this.#scannedSinceCheckpoint = 0;
        const checkpoint = new ReadResp.Checkpoint()
          .setCommitPosition(event.commit.toString())
          .setPreparePosition(event.prepare.toString());
        this.#write(new ReadResp().setCheckpoint(checkpoint));
      }
    }
  }

  #write(response: ReadRespMessage): void {
    if (!this.#closed) this.#call.write(response);
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopListening();
    this.#onClose();
  }
}
