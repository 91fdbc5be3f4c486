import { GENESIS_HASH } from '../eventstore/hash-chain.ts';
import type { Position } from '../eventstore/port.ts';

/**
 * Where a stream stands, as a writer last saw it: enough to append the next event without reading the stream
 * again. The append expects exactly `revision`, so a stale tip (someone wrote since) fails with
 * WrongExpectedVersionError instead of breaking the hash chain.
 */
export interface StreamTip {
  /** Revision of the last event, or null when the stream does not exist. */
  revision: number | null;
  /** The hash of the last event (the genesis hash for no stream): the next event's `prev`. */
  lastHash: string;
}

/** The tip an append left behind: the stream exists now, and the append ended at `position` in the log. */
export interface AppendedTip extends StreamTip {
  revision: number;
  position: Position;
}

/** The tip of a stream that does not exist: appending after it expects "no stream". */
export const NO_STREAM: StreamTip = { revision: null, lastHash: GENESIS_HASH };
