import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { JsonObject } from './port.ts';

/**
 * Tamper evidence: every event's metadata holds `chain: {prev, hash, alg, v}` where
 * `hash = sha256(prev + canonicalJson({type, data, metadata}))`, `metadata` being the event's metadata without
 * `chain`, and `prev` the hash of the previous event of the same stream (GENESIS_HASH for revision 0). Changing,
 * removing or reordering any event of a stream breaks every later link.
 */
export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_ALGORITHM = 'sha256';
export const CHAIN_VERSION = 1;

export interface ChainLink {
  prev: string;
  hash: string;
  alg: typeof CHAIN_ALGORITHM;
  v: typeof CHAIN_VERSION;
}

export interface ChainableEvent {
  type: string;
  data: JsonObject;
  metadata: JsonObject;
}

export function metadataWithoutChain(metadata: JsonObject): JsonObject {
  const { chain: _chain, ...rest } = metadata;
  return rest;
}

export function chainHash(prev: string, event: ChainableEvent): string {
  const body = canonicalJson({ type: event.type, data: event.data, metadata: metadataWithoutChain(event.metadata) });
  return createHash('sha256').update(prev).update(body).digest('hex');
}

/** Links `events` (in stream order) after `prev`; returns them with `metadata.chain` set, and the last hash. */
export function linkEvents<Event extends ChainableEvent>(
  prev: string,
  events: readonly Event[],
): { events: Event[]; last: string } {
  let current = prev;
  const linked = events.map((event) => {
    const hash = chainHash(current, event);
    const chain: ChainLink = { prev: current, hash, alg: CHAIN_ALGORITHM, v: CHAIN_VERSION };
    current = hash;
    return { ...event, metadata: { ...metadataWithoutChain(event.metadata), chain } };
  });
  return { events: linked, last: current };
}

/** The chain link recorded on an event, or null when it has none (or a malformed one). */
export function chainOf(metadata: JsonObject): ChainLink | null {
  const chain = metadata.chain as Partial<ChainLink> | undefined;
  if (!chain || typeof chain !== 'object' || typeof chain.prev !== 'string' || typeof chain.hash !== 'string')
    return null;
  return chain as ChainLink;
}

/** The hash a new event appended after `last` must chain from. */
export function lastHashOf(last: { metadata: JsonObject } | undefined): string {
  if (!last) return GENESIS_HASH;
  return chainOf(last.metadata)?.hash ?? GENESIS_HASH;
}

export interface ChainBreak {
  stream: string;
  revision: number;
  eventId: string;
  type: string;
  reason: string;
}

export interface StreamEvent extends ChainableEvent {
  streamName: string;
  revision: number;
  id: string;
}

/**
 * Verifies the events of one stream, in revision order. A complete stream starts at revision 0 from GENESIS_HASH;
 * a slice (an export with --from) is anchored on its first event's recorded `prev`. Returns the first break.
 */
export function verifyStreamChain(events: readonly StreamEvent[]): ChainBreak | null {
  let expectedPrev: string | null = null;
  let expectedRevision: number | null = null;
  for (const event of events) {
    const at = (reason: string): ChainBreak => ({
      stream: event.streamName,
      revision: event.revision,
      eventId: event.id,
      type: event.type,
      reason,
    });
    const chain = chainOf(event.metadata);
    if (!chain) return at('no hash chain in metadata');
    if (chain.alg !== CHAIN_ALGORITHM || chain.v !== CHAIN_VERSION)
      return at(`unknown chain algorithm ${String(chain.alg)} v${String(chain.v)}`);
    if (expectedRevision !== null && event.revision !== expectedRevision) {
      return at(`revision ${event.revision} follows revision ${expectedRevision - 1} (events missing or reordered)`);
    }
    if (expectedPrev === null && event.revision === 0 && chain.prev !== GENESIS_HASH)
      return at('first event does not start from the genesis hash');
    if (expectedPrev !== null && chain.prev !== expectedPrev)
      return at(`prev ${chain.prev} is not the previous event's hash ${expectedPrev}`);
    const actual = chainHash(chain.prev, event);
    if (actual !== chain.hash) return at(`hash mismatch: recorded ${chain.hash}, computed ${actual}`);
    expectedPrev = chain.hash;
    expectedRevision = event.revision + 1;
  }
  return null;
}
