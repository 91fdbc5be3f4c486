import type { StreamAppend } from './port.ts';

/** Every stream of a batch of appends must be named once and carry at least one event. */
export function checkStreamAppends(appends: readonly StreamAppend[]): void {
  const seen = new Set<string>();
  for (const { stream, events } of appends) {
    if (events.length === 0) throw new TypeError(`appendToStreams needs at least one event for ${stream}`);
    if (seen.has(stream)) throw new TypeError(`appendToStreams names ${stream} twice`);
    seen.add(stream);
  }
}
