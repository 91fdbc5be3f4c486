/**
 * `es_append_batch`: appends to several streams in one statement (one round trip, one transaction, one WAL flush).
 * The streams come as parallel arrays (`p_counts[i]` events of stream i, concatenated in `p_ids`/`p_types`/…:
 * Postgres has no ragged arrays). Each stream goes through es_append unchanged (idempotency by ids, the
 * conditional claim of its revision), so it keeps its own outcome: the batch is not atomic across streams.
 *
 * - The append lock is taken first, before the transaction's first write (see es_read_horizon).
 * - Streams are appended in name order (C collation): two batches with overlapping streams, on any nodes, lock
 *   their `es_streams` rows in the same order and cannot deadlock.
 * - Each stream runs in its own subtransaction (BEGIN … EXCEPTION): a unique_violation — an identical append
 *   racing this one, both past the idempotency check — undoes only that stream, reported as `retry` (the adapter
 *   appends it again and then finds it `already_appended`).
 *
 * Returns one row per stream, `stream_index` being its 1-based place in `p_streams`, with es_append's columns.
 */
export const APPEND_BATCH_FUNCTION = `
create or replace function es_append_batch(
  p_streams text[], p_expected text[], p_counts int[],
  p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) returns table (stream_index int, outcome text, last_revision bigint, txid text, last_position bigint)
language plpgsql as $$
declare
  v_offsets int[] := '{}';
  v_total int := 0;
  v_index int;
  v_from int;
  v_to int;
begin
  perform es_take_append_lock();
  for v_index in 1 .. coalesce(cardinality(p_streams), 0) loop
    v_offsets := v_offsets || v_total;
    v_total := v_total + p_counts[v_index];
  end loop;
  for v_index in select u.i from unnest(p_streams) with ordinality as u(s, i) order by u.s collate "C", u.i loop
    v_from := v_offsets[v_index] + 1;
    v_to := v_offsets[v_index] + p_counts[v_index];
    stream_index := v_index;
    begin
      select r.outcome, r.last_revision, r.txid, r.last_position into outcome, last_revision, txid, last_position
        from es_append(p_streams[v_index], p_expected[v_index], p_ids[v_from:v_to], p_types[v_from:v_to],
                       p_data[v_from:v_to], p_metadata[v_from:v_to]) r;
    exception when unique_violation then
      outcome := 'retry';
      last_revision := null;
      txid := null;
      last_position := null;
    end;
    return next;
  end loop;
end
$$`;
