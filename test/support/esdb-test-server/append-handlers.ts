/**
 * Streams.Append (client streaming, the older call) and Streams.BatchAppend (bidirectional, what the 6.x client
 * uses when ServerFeatures lists it) for the EventStoreDB test double.
 */
import { status, type ServerDuplexStream, type ServerReadableStream, type sendUnaryData } from '@grpc/grpc-js';
import {
  Any,
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  GoogleEmpty,
  Status,
  WrongExpectedVersion,
  type AppendReqMessage,
  type AppendRespMessage,
  type BatchAppendReqMessage,
  type BatchAppendRespMessage,
  Code,
} from './proto.ts';
import type { AppendOutcome, LogExpectation, MemoryLog, ProposedEvent } from './memory-log.ts';
import { allStreamPosition, empty, proposedEvent, streamIdentifier, streamNameOf } from './wire.ts';
import {
  APPEND_FAULTS,
  batchNotHandledStatus,
  batchTimeoutStatus,
  notLeaderError,
  rpcNotHandled,
  rpcStreamDeleted,
  rpcTimeout,
  batchStreamDeletedStatus,
  type FaultSwitch,
} from './faults.ts';
import { appendSize, batchTooLargeStatus, rpcTooLarge } from './append-limits.ts';

/** What both append calls share: the log, the fault switch and the append size cap. */
export interface AppendContext {
  log: MemoryLog;
  faults: FaultSwitch;
  maxAppendSize: number;
}

/** Status.WrongExpectedVersion's code (google.rpc.Code.ALREADY_EXISTS), on a wrong-expected-version batch result. */
const ALREADY_EXISTS = Code.ALREADY_EXISTS;

export function handleAppend({ log, faults, maxAppendSize }: AppendContext) {
  return (
    call: ServerReadableStream<AppendReqMessage, AppendRespMessage>,
    callback: sendUnaryData<AppendRespMessage>,
  ) => {
    let streamName: string | undefined;
    let expectation: LogExpectation | undefined;
    const events: ProposedEvent[] = [];
    let failed = false;
    call.on('data', (request: AppendReqMessage) => {
      if (failed) return;
      try {
        const options = request.getOptions();
        if (options !== undefined) {
          streamName = streamNameOf(options.getStreamIdentifier());
          expectation = appendExpectation(options);
          return;
        }
        const message = request.getProposedMessage();
        if (message !== undefined) events.push(proposedEvent(message));
      } catch (error) {
        failed = true;
        callback({ code: status.INVALID_ARGUMENT, details: (error as Error).message });
      }
    });
    call.on('end', () => {
      if (failed) return;
      if (streamName === undefined || expectation === undefined) {
        callback({ code: status.INVALID_ARGUMENT, details: 'Append without options' });
        return;
      }
      if (appendSize(events) > maxAppendSize) {
        callback(rpcTooLarge(maxAppendSize));
        return;
      }
      const fault = faults.take(APPEND_FAULTS);
      if (fault === 'unresponsive') return;
      if (fault === 'not_leader') callback(notLeaderError(faults.leader));
      else if (fault === 'not_ready' || fault === 'busy') callback(rpcNotHandled(fault));
      else {
        const outcome = fault === 'write_timeout' ? null : log.append(streamName, expectation, events);
        if (outcome?.kind === 'stream_deleted') callback(rpcStreamDeleted(streamName));
        else if (fault === null && outcome !== null) callback(null, appendResponse(outcome, expectation));
        else callback(rpcTimeout());
      }
    });
  };
}

function appendExpectation(options: InstanceType<typeof AppendReq.Options>): LogExpectation {
  if (options.hasRevision()) return { kind: 'revision', revision: BigInt(options.getRevision()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function appendResponse(
  outcome: Exclude<AppendOutcome, { kind: 'stream_deleted' }>,
  expectation: LogExpectation,
): AppendRespMessage {
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.lastRevision < 0n) success.setNoStream(empty());
    else success.setCurrentRevision(outcome.lastRevision.toString());
    if (outcome.position === null) success.setNoPosition(empty());
    else
      success.setPosition(
        new AppendResp.Position()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      );
    return new AppendResp().setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision === null) wrong.setCurrentNoStream(empty());
  else wrong.setCurrentRevision(outcome.currentRevision.toString());
  switch (expectation.kind) {
    case 'revision':
      wrong.setExpectedRevision(expectation.revision.toString());
      break;
    case 'no_stream':
      wrong.setExpectedNoStream(empty());
      break;
    case 'stream_exists':
      wrong.setExpectedStreamExists(empty());
      break;
    case 'any':
      wrong.setExpectedAny(empty());
      break;
  }
  return new AppendResp().setWrongExpectedVersion(wrong);
}

interface PendingBatch {
  streamName: string;
  expectation: LogExpectation;
  events: ProposedEvent[];
}

export function handleBatchAppend(context: AppendContext) {
  return (call: ServerDuplexStream<BatchAppendReqMessage, BatchAppendRespMessage>) => {
    // Requests of one append share a correlation id; only the first carries options, the last is_final.
    const pending = new Map<string, PendingBatch>();
    call.on('data', (request: BatchAppendReqMessage) => {
      try {
        acceptBatchRequest(request);
      } catch (error) {
        call.emit('error', { code: status.INVALID_ARGUMENT, details: (error as Error).message });
      }
    });
    const acceptBatchRequest = (request: BatchAppendReqMessage): void => {
      const correlation = request.getCorrelationId();
      const key = correlation === undefined ? '' : correlation.getString();
      let batch = pending.get(key);
      const options = request.getOptions();
      if (batch === undefined) {
        // The server ignores the later chunks of an append it already refused (e.g. too large).
        if (options === undefined) return;
        batch = {
          streamName: streamNameOf(options.getStreamIdentifier()),
          expectation: batchExpectation(options),
          events: [],
        };
        pending.set(key, batch);
      }
      for (const message of request.getProposedMessagesList()) batch.events.push(proposedEvent(message));
      if (appendSize(batch.events) > context.maxAppendSize) {
        pending.delete(key);
        call.write(batchError(batch, batchTooLargeStatus(context.maxAppendSize)).setCorrelationId(correlation));
        return;
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const response = commitBatch(context, batch, call);
      if (response !== null) call.write(response.setCorrelationId(correlation));
    };
    call.on('end', () => call.end());
  };
}

/** Writes the batch (unless a fault says otherwise) and says what to answer; null for no answer at all. */
function commitBatch(
  { log, faults }: AppendContext,
  batch: PendingBatch,
  call: ServerDuplexStream<BatchAppendReqMessage, BatchAppendRespMessage>,
): BatchAppendRespMessage | null {
  const fault = faults.take(APPEND_FAULTS);
  switch (fault) {
    case 'unresponsive':
      return null;
    case 'not_leader':
      // The server throws from the write's callback: the whole call fails, with every append in flight on it.
      call.emit('error', notLeaderError(faults.leader));
      return null;
    case 'not_ready':
    case 'busy':
      return batchError(batch, batchNotHandledStatus(fault));
    case 'write_timeout':
      return batchError(batch, batchTimeoutStatus());
    case 'write_timeout_committed':
      log.append(batch.streamName, batch.expectation, batch.events);
      return batchError(batch, batchTimeoutStatus());
    case null: {
      const outcome = log.append(batch.streamName, batch.expectation, batch.events);
      if (outcome.kind === 'stream_deleted') return batchError(batch, batchStreamDeletedStatus(batch.streamName));
      return batchResponse(outcome, batch);
    }
  }
}

function batchError(batch: PendingBatch, error: InstanceType<typeof Status>): BatchAppendRespMessage {
  return new BatchAppendResp().setStreamIdentifier(streamIdentifier(batch.streamName)).setError(error);
}

function batchExpectation(options: InstanceType<typeof BatchAppendReq.Options>): LogExpectation {
  if (options.hasStreamPosition()) return { kind: 'revision', revision: BigInt(options.getStreamPosition()) };
  if (options.hasNoStream()) return { kind: 'no_stream' };
  if (options.hasStreamExists()) return { kind: 'stream_exists' };
  return { kind: 'any' };
}

function batchResponse(
  outcome: Exclude<AppendOutcome, { kind: 'stream_deleted' }>,
  batch: PendingBatch,
): BatchAppendRespMessage {
  const response = new BatchAppendResp().setStreamIdentifier(streamIdentifier(batch.streamName));
  const expectation = batch.expectation;
  switch (expectation.kind) {
    case 'revision':
      response.setStreamPosition(expectation.revision.toString());
      break;
    case 'no_stream':
      response.setNoStream(new GoogleEmpty());
      break;
    case 'stream_exists':
      response.setStreamExists(new GoogleEmpty());
      break;
    case 'any':
      response.setAny(new GoogleEmpty());
      break;
  }
  if (outcome.kind === 'success') {
    const success = new BatchAppendResp.Success();
    if (outcome.lastRevision < 0n) success.setNoStream(new GoogleEmpty());
    else success.setCurrentRevision(outcome.lastRevision.toString());
    if (outcome.position === null) success.setNoPosition(new GoogleEmpty());
    else success.setPosition(allStreamPosition(outcome.position));
    return response.setSuccess(success);
  }
  const details = new WrongExpectedVersion();
  if (outcome.currentRevision === null) details.setCurrentNoStream(new GoogleEmpty());
  else details.setCurrentStreamRevision(outcome.currentRevision.toString());
  switch (expectation.kind) {
    case 'revision':
      details.setExpectedStreamPosition(expectation.revision.toString());
      break;
    case 'no_stream':
      details.setExpectedNoStream(new GoogleEmpty());
      break;
    case 'stream_exists':
      details.setExpectedStreamExists(new GoogleEmpty());
      break;
    case 'any':
      details.setExpectedAny(new GoogleEmpty());
      break;
  }
  const packed = new Any();
  packed.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const error = new Status().setCode(ALREADY_EXISTS).setMessage('WrongExpectedVersion').setDetails(packed);
  return response.setError(error);
}
