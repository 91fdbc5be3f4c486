import { INDEX_LOOKUPS_ONLY } from './index-lookups-only.ts';

/** The parameters and rows of both batch functions (the second does the first's work when it can). */
const BATCH_SIGNATURE = `(
  p_streams text[], p_expected text[], p_counts int[],
  p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) returns table (stream_index int, outcome text, last_revision bigint, txid text, last_position bigint)
language plpgsql ${INDEX_LOOKUPS_ONLY} as $$`;

/**
 * `es_append_batch`: appends to several streams in one statement (one round trip, one transaction, one WAL flush).
 * The streams come as parallel arrays (`p_counts[i]` events of stream i, concatenated in `p_ids`/`p_types`/…:
 * Postgres has no ragged arrays). Each stream goes through es_append unchanged (idempotency by ids, the
 * conditional claim of its revision), so it keeps its own outcome: the batch is not atomic across streams.
 *
 * - The append lock is taken first, before the transaction's first write (see es_read_horizon).
 * - Streams are appended in name order (C collation): two batches with overlapping streams, on any nodes, lock
 *   their `es_streams` rows in the same order and cannot deadlock.
 * - Most batches are appended all at once (es_append_batch_at_once, below): when the streams are distinct and none
 *   of the ids is stored yet, which is every batch of new events. One subtransaction around it: should a
 *   unique_violation still come (an identical append committed since the check, or one id twice in the batch),
 *   nothing of it stays and the batch goes stream by stream instead.
 * - Stream by stream, each runs es_append in its own subtransaction (BEGIN … EXCEPTION): a unique_violation — an
 *   identical append racing this one, both past the idempotency check — undoes only that stream, reported as
 *   `retry` (the adapter appends it again and then finds it `already_appended`). A subtransaction per stream and
 *   es_append's statements per stream cost PostgreSQL ~3.5× the CPU of the same events appended at once (50 streams
 *   of one event: 11.6 ms against 3.3 ms, synchronous_commit off, 2026-12-02).
 *
 * Returns one row per stream, `stream_index` being its 1-based place in `p_streams`, with es_append's columns.
 */
export const APPEND_BATCH_FUNCTION = `
create or replace function es_append_batch${BATCH_SIGNATURE}
declare
  v_offsets int[] := '{}';
  v_total int := 0;
  v_index int;
  v_from int;
  v_to int;
begin
  perform es_take_append_lock();
  if coalesce(cardinality(p_streams), 0) = 0 then return; end if;
  if (select count(distinct u.s) from unnest(p_streams) as u(s)) = cardinality(p_streams)
     and not exists (select 1 from es_events where event_id = any(p_ids)) then
    begin
      -- The function's rows are all computed before the first one is returned: an error leaves none behind.
      return query select * from es_append_batch_at_once(p_streams, p_expected, p_counts, p_ids, p_types, p_data,
                                                         p_metadata);
      return;
    exception when unique_violation then
      null;
    end;
  end if;
  for v_index in 1 .. cardinality(p_streams) loop
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

/**
 * `es_append_batch`'s streams appended at once, for a batch of distinct streams whose ids are not stored: the same
 * outcomes es_append gives stream by stream, in three statements for the whole batch.
 * - The claims: one upsert of every stream's row, in name order (C collation) like es_append_batch's loop, so
 *   batches lock `es_streams` rows in the one order whichever path they take. A row is updated only when the
 *   stream's expectation holds (`any`, `stream_exists`, or the revision it names); a stream that does not exist is
 *   inserted only for `no_stream` and `any` — es_append's update finds nothing for the others, and neither is a
 *   stream another transaction is still creating: its conflict waits for that one and then checks the expectation.
 * - The events of the claimed streams: one insert, in name order and then the append's order, so the global
 *   positions follow the order es_append_batch's loop would have given them.
 * - The answer: `appended` with the stream's last revision, the transaction and its last event's position, or
 *   `wrong_expected_version` with the stream's current revision (null: no stream).
 */
export const APPEND_BATCH_AT_ONCE_FUNCTION = `
create or replace function es_append_batch_at_once${BATCH_SIGNATURE}
declare
  v_expected jsonb := jsonb_object(p_streams, p_expected);
  v_claimed bigint[];
  v_first int[];
  v_stream_of int[];
begin
  -- Where each stream's events start in p_ids, and each event's stream (an equality to join on).
  select array_agg(c.first::int order by c.i) into v_first
    from (select u.i, sum(u.n) over (order by u.i) - u.n + 1 as first
            from unnest(p_counts) with ordinality as u(n, i)) c;
  select array_agg(u.i::int order by u.i, g) into v_stream_of
    from unnest(p_counts) with ordinality as u(n, i), generate_series(1, u.n) as g;
  with input as (
    select u.s as name, u.e as expected, u.n as events, u.i as position
      from unnest(p_streams, p_expected, p_counts) with ordinality as u(s, e, n, i)
  ), claims as (
    insert into es_streams as s (stream_name, revision)
    select input.name, input.events - 1 from input
     where input.expected in ('no_stream', 'any')
        or exists (select 1 from es_streams x where x.stream_name = input.name)
     order by input.name collate "C"
    on conflict (stream_name) do update set revision = s.revision + excluded.revision + 1
     where case v_expected ->> s.stream_name
             when 'any' then true
             when 'stream_exists' then true
             when 'no_stream' then false
             else s.revision = (v_expected ->> s.stream_name)::bigint
           end
    returning s.stream_name, s.revision
  )
  select array(select claims.revision from input left join claims on claims.stream_name = input.name
                order by input.position) into v_claimed;

  return query
  with streams as (
    select u.s as name, u.n as events, u.r as claimed, u.f as first, u.i::int as position
      from unnest(p_streams, p_counts, v_claimed, v_first) with ordinality as u(s, n, r, f, i)
  ), written as (
    insert into es_events (event_id, stream_name, revision, type, data, metadata)
    select e.id, streams.name, streams.claimed - streams.events + (e.k - streams.first) + 1, e.type, e.data, e.metadata
      from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as e(id, type, data, metadata, k)
      join streams on streams.position = v_stream_of[e.k]
     where streams.claimed is not null
     order by streams.name collate "C", e.k
    returning es_events.stream_name as name, es_events.global_position as written_position
  ), last_written as (
    select written.name, max(written.written_position) as written_position from written group by written.name
  )
  select streams.position,
         case when streams.claimed is null then 'wrong_expected_version' else 'appended' end,
         case when streams.claimed is null
              then (select s.revision from es_streams s where s.stream_name = streams.name)
              else streams.claimed end,
         case when streams.claimed is null then null else pg_current_xact_id()::text end,
         last_written.written_position
    from streams left join last_written on last_written.name = streams.name
   order by streams.position;
end
$$`;
