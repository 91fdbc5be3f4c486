import type { Knex } from 'knex';
import { eventJson } from '../append-size.ts';
import type { StreamAppend } from '../port.ts';

/** es_append's answer for one stream of a batch, plus `retry` (an identical append raced it; see es_append_batch). */
export interface BatchAppendRow {
  outcome: 'appended' | 'already_appended' | 'wrong_expected_version' | 'id_conflict' | 'retry';
  last_revision: number | string | null;
  txid: string | null;
  last_position: number | string | null;
}

/**
 * The events' data (or metadata) as a statement argument. Many go as one JSON array text that the server splits
 * back into `jsonb[]`, in order: as a `jsonb[]` parameter, node-postgres escapes every quote and backslash of
 * every document into an array literal, character by character (100 state events: 404–559 µs of the Node process
 * against 156–257 µs). Fewer than 4 go as the plain `jsonb[]` parameter: for one document the split costs the
 * server more than the escaping saves (~30 % more wall time per statement); at 4 the two cost the same (measured
 * 2026-12-02, bench/README.md).
 */
const JSON_TEXT_FROM_DOCUMENTS = 4;
const JSON_ARRAY_AS_JSONB_ARRAY =
  'array(select element from jsonb_array_elements(?::jsonb) with ordinality as elements(element, n) order by n)';

export function jsonbArrayArgument(documents: string[]): { sql: string; value: string | string[] } {
  return documents.length >= JSON_TEXT_FROM_DOCUMENTS
    ? { sql: JSON_ARRAY_AS_JSONB_ARRAY, value: `[${documents.join(',')}]` }
    : { sql: '?::jsonb[]', value: documents };
}

/** One statement (es_append_batch): one row per append, in the order of `appends`. */
export async function appendBatch(knex: Knex, appends: readonly StreamAppend[]): Promise<BatchAppendRow[]> {
  const events = appends.flatMap((append) => append.events);
  const data = jsonbArrayArgument(events.map((event) => eventJson(event).data));
  const metadata = jsonbArrayArgument(events.map((event) => eventJson(event).metadata));
  const result = await knex.raw(
    `select stream_index, outcome, last_revision, txid, last_position
       from es_append_batch(?::text[], ?::text[], ?::int[], ?::uuid[], ?::text[], ${data.sql}, ${metadata.sql})`,
    [
      appends.map((append) => append.stream),
      appends.map((append) => String(append.expectedRevision)),
      appends.map((append) => append.events.length),
      events.map((event) => event.id),
      events.map((event) => event.type),
      data.value,
      metadata.value,
    ],
  );
  const rows = new Array<BatchAppendRow>(appends.length);
  for (const row of result.rows as Array<BatchAppendRow & { stream_index: number }>) rows[row.stream_index - 1] = row;
  return rows;
}
