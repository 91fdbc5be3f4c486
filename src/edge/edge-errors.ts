import type { AckErrorDetail } from '../bridge/protocol/index.ts';

/** Why a `reportState` / `requestSync` promise was rejected; the class names are the reason. */

/** The unacked buffer was full and this (oldest) report was evicted to make room for a newer one. */
export class StateReportDroppedError extends Error {
  override readonly name = 'StateReportDroppedError';
  constructor(readonly requestId: string) {
    super(`State report ${requestId} was dropped: the unacked buffer is full`);
  }
}

/**
 * The cloud answered a state report or sync with an error ack (or a protocol-error frame naming it):
 * resending the same frame would not help.
 */
export class FrameRejectedError extends Error {
  override readonly name = 'FrameRejectedError';
  constructor(
    readonly requestId: string,
    readonly detail: AckErrorDetail,
  ) {
    super(`The cloud rejected ${requestId}: ${detail.code}: ${detail.message}`);
  }
}

/** The encoded frame exceeds the frame-size limit; the cloud would refuse it. */
export class FrameTooLargeError extends Error {
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly bytes: number,
    readonly maxBytes: number,
  ) {
    super(`Frame is ${bytes} bytes; the limit is ${maxBytes}`);
  }
}

/** The client was closed (or gave up, e.g. credentials refused) before the cloud acknowledged. */
export class EdgeClientStoppedError extends Error {
  override readonly name = 'EdgeClientStoppedError';
}
