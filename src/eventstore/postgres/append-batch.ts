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

/** One statement (es_append_batch): one row per append, in the order of `appends`. */
export async function appendBatch(knex: Knex, appends: readonly StreamAppend[]): Promise<BatchAppendRow[]> {
  const events = appends.flatMap((append) => append.events);
  const result = await knex.raw(
    `select stream_index, outcome, last_revision, txid, last_position
       from es_append_batch(?::text[], ?::text[], ?::int[], ?::uuid[], ?::text[], ?::jsonb[], ?::jsonb[])`,
    [
      appends.map((append) => append.stream),
      appends.map((append) => String(append.expectedRevision)),
      appends.map((append) => append.events.length),
      events.map((event) => event.id),
      events.map((event) => event.type),
      events.map((event) => eventJson(event).data),
      events.map((event) => eventJson(event).metadata),
    ],
  );
  const rows = new Array<BatchAppendRow>(appends.length);
  for (const row of result.rows as Array<BatchAppendRow & { stream_index: number }>) rows[row.stream_index - 1] = row;
  return rows;
}
