/**
 * An append sends its events' data and metadata as a `jsonb[]` parameter (a few events) or as one JSON array text
 * the server splits (many): either way every value comes back as it was sent, in order.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/eventstore/port.ts';
import { databaseTargets } from '../support/databases.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/** Strings JSON and array literals both have to escape, and ones that look like either syntax. */
const awkward = fc.oneof(
  fc.string(),
  fc.constantFrom('"', '\\', '\\"', '{}', '[1,2]', ',', 'NULL', '😀', '\u2028', 'a\nb', '{"a":"}"}'),
);
const document = fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(awkward, fc.integer(), fc.boolean()), {
  maxKeys: 4,
});

describe.each(databaseTargets())('appended JSON documents (%s)', (target) => {
  const fixture = useEventStore(target);

  it('read back equal and in order, for one event and for many', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(document, { minLength: 1, maxLength: 9 }), async (documents) => {
        const stream = `json-${randomUUID()}`;
        const events = documents.map((data, n) => ({
          id: randomUUID(),
          type: 'ThingHappened',
          data: { ...data, n } as JsonObject,
          metadata: { note: data[Object.keys(data)[0] ?? ''] ?? null, n } as JsonObject,
        }));
        await fixture.store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        const read = await fixture.store.readStream(stream);
        expect(read.map((event) => event.data)).toEqual(events.map((event) => event.data));
        expect(read.map((event) => event.metadata)).toEqual(events.map((event) => event.metadata));
      }),
      { numRuns: 40 },
    );
  });
});
