/**
 * Stretches of `$all` known to hold no event matching a filter, so that a reader that keeps asking "what comes
 * after my checkpoint?" does not rescan the same non-matching events every time.
 *
 * Why: client 6.x sends no filter with readAll, so a filtered page is a client-side scan (read-all-page.ts). A
 * projection's checkpoint is its last *handled* event; when the log grows with events it does not handle
 * (telemetry, other aggregates), every poll would read everything after that checkpoint again — and the
 * ProjectionRunner polls on every write it is asked to wait for. Remembering "(from, to] has nothing for this
 * filter" makes the next read start at `to`, and lets a subscription start there too.
 *
 * Sound because `$all` is append-only: an event never appears at or before a position a reader has already
 * scanned past (`to` is always the position of an event that was read, so it is a valid start position).
 */
import { LRUCache } from 'lru-cache';
import type { AllFilter, Position } from '../port.ts';

interface EmptyRange {
  /** Exclusive; null is the start of the log. */
  from: Position | null;
  /** Inclusive: the last event scanned. */
  to: Position;
}

export class EmptyRanges {
  /** Per filter; the least recently recorded filter is forgotten first. */
  readonly #ranges: LRUCache<string, EmptyRange>;

  constructor(maxFilters = 256) {
    this.#ranges = new LRUCache({ max: maxFilters });
  }

  /** Where a reader wanting events strictly after `after` can start instead (exclusive), for this filter. */
  skipTo(filter: AllFilter | undefined, after: Position | null): Position | null {
    const range = this.#ranges.peek(filterKey(filter));
    if (range === undefined || !covers(range, after)) return after;
    return range.to;
  }

  /** Records that nothing in (from, to] matches the filter. */
  record(filter: AllFilter | undefined, from: Position | null, to: Position): void {
    if (from !== null && to <= from) return;
    const key = filterKey(filter);
    const existing = this.#ranges.peek(key);
    const merged: EmptyRange =
      existing !== undefined && covers(existing, from) && to > existing.to ? { from: existing.from, to } : { from, to };
    if (existing !== undefined && covers(existing, from) && to <= existing.to) return;
    this.#ranges.set(key, merged);
  }
}

/** Whether `position` lies inside [from, to] (a reader after it can jump to `to`). */
function covers(range: EmptyRange, position: Position | null): boolean {
  if (position === null) return range.from === null;
  return (range.from === null || range.from <= position) && position <= range.to;
}

function filterKey(filter: AllFilter | undefined): string {
  if (filter === undefined) return 'all';
  if ('eventTypes' in filter) return `types:${JSON.stringify([...filter.eventTypes].sort())}`;
  return `prefixes:${JSON.stringify([...filter.streamPrefixes].sort())}`;
}
