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
 * The events' data (or metadata) sent as one JSON array text and split into `jsonb[]` by the server, in order.
 * Sent as a `jsonb[]` parameter instead, node-postgres escapes every quote and backslash of every document into an
 * array literal, character by character (2.5 % of the bridge's state-frame CPU, bench/README.md).
 */
export const JSON_ARRAY_AS_JSONB_ARRAY =
  'array(select element from jsonb_array_elements(?::jsonb) with ordinality as elements(element, n) order by n)';

/** JSON texts joined into the text of one JSON array (each is already valid JSON: no re-encoding). */
export function jsonArrayOf(documents: readonly string[]): string {
  return `[${documents.join(',')}]`;
}

/** One statement (es_append_batch): one row per append, in the order of `appends`. */
export async function appendBatch(knex: Knex, appends: readonly StreamAppend[]): Promise<BatchAppendRow[]> {
  const events = appends.flatMap((append) => append.events);
  const result = await knex.raw(
    `select stream_index, outcome, last_revision, txid, last_position
       from es_append_batch(?::text[], ?::text[], ?::int[], ?::uuid[], ?::text[], ${JSON_ARRAY_AS_JSONB_ARRAY}, ${JSON_ARRAY_AS_JSONB_ARRAY})`,
    [
      appends.map((append) => append.stream),
      appends.map((append) => String(append.expectedRevision)),
      appends.map((append) => append.events.length),
      events.map((event) => event.id),
      events.map((event) => event.type),
      jsonArrayOf(events.map((event) => eventJson(event).data)),
      jsonArrayOf(events.map((event) => eventJson(event).metadata)),
    ],
  );
  const rows = new Array<BatchAppendRow>(appends.length);
  for (const row of result.rows as Array<BatchAppendRow & { stream_index: number }>) rows[row.stream_index - 1] = row;
  return rows;
}
