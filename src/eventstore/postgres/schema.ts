import type { Knex } from 'knex';

/**
 * The event log. `transaction_id` (xid8) and `global_position` together give the `$all` order; readers only see
 * transactions older than the oldest one still running (see readAll), so an event that commits late is never
 * skipped. Per-stream concurrency is the conditional update of `es_streams.revision`: no global lock.
 */
export async function ensureEventStoreSchema(knex: Knex): Promise<void> {
  // Several nodes starting at once would race on `create … if not exists` / `create or replace`: serialise them.
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [SCHEMA_LOCK_KEY]);
    // One statement per call: PGlite runs each through the extended protocol, which refuses several at once.
    for (const statement of SCHEMA_STATEMENTS) await trx.raw(statement);
  });
}

/**
 * One append in one statement (one round trip, its own transaction): the idempotency check by event ids, the
 * conditional claim of the stream's revisions (per-stream concurrency control), and the insert. Returns one row:
 * - `appended` / `already_appended`: the stream's last revision, and the transaction id and global position of
 *   the last event (the same ids already in this stream, in this order, answer as `already_appended`);
 * - `wrong_expected_version`: the stream's current revision (null: no stream);
 * - `id_conflict`: some of the ids are stored, but not as this same append; the stream's current revision.
 * Two identical appends racing: the loser hits es_events_event_id_key; the adapter retries and gets
 * `already_appended`.
 */
const APPEND_FUNCTION = `
create or replace function es_append(
  p_stream text, p_expected text, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[]
) returns table (outcome text, last_revision bigint, txid text, last_position bigint)
language plpgsql as $$
declare
  v_count int := cardinality(p_ids);
  v_found int;
  v_same boolean;
  v_revision bigint;
begin
  select count(*) into v_found from es_events where event_id = any(p_ids);
  if v_found > 0 then
    select v_found = v_count and bool_and(e.event_id = p_ids[e.n] and e.stream_name = p_stream) into v_same
      from (select event_id, stream_name, row_number() over (order by global_position) as n
              from es_events where event_id = any(p_ids)) e;
    if v_same then
      return query select 'already_appended', e.revision, e.transaction_id::text, e.global_position
        from es_events e where e.event_id = any(p_ids) order by e.global_position desc limit 1;
    else
      return query select 'id_conflict', (select s.revision from es_streams s where s.stream_name = p_stream),
        null::text, null::bigint;
    end if;
    return;
  end if;

  if p_expected = 'no_stream' then
    insert into es_streams (stream_name, revision) values (p_stream, v_count - 1)
      on conflict do nothing returning es_streams.revision into v_revision;
  elsif p_expected = 'any' then
    insert into es_streams (stream_name, revision) values (p_stream, v_count - 1)
      on conflict (stream_name) do update set revision = es_streams.revision + v_count
      returning es_streams.revision into v_revision;
  elsif p_expected = 'stream_exists' then
    update es_streams set revision = es_streams.revision + v_count where es_streams.stream_name = p_stream
      returning es_streams.revision into v_revision;
  else
    update es_streams set revision = es_streams.revision + v_count
      where es_streams.stream_name = p_stream and es_streams.revision = p_expected::bigint
      returning es_streams.revision into v_revision;
  end if;
  if v_revision is null then
    return query select 'wrong_expected_version', (select s.revision from es_streams s where s.stream_name = p_stream),
      null::text, null::bigint;
    return;
  end if;

  insert into es_events (event_id, stream_name, revision, type, data, metadata)
    select u.id, p_stream, v_revision - v_count + u.ord, u.type, u.data, u.metadata
      from unnest(p_ids, p_types, p_data, p_metadata) with ordinality as u(id, type, data, metadata, ord)
     order by u.ord;
  return query select 'appended', v_revision, pg_current_xact_id()::text,
    currval(pg_get_serial_sequence('es_events', 'global_position'));
end
$$`;

/** Arbitrary constant key of the advisory lock held while the schema is created or updated. */
const SCHEMA_LOCK_KEY = 7_310_001;

const SCHEMA_STATEMENTS = [
    `create table if not exists es_streams (
        stream_name text primary key,
        revision bigint not null
      )`,
    `create table if not exists es_events (
        global_position bigserial primary key,
        transaction_id xid8 not null default pg_current_xact_id(),
        event_id uuid not null,
        stream_name text not null,
        revision bigint not null,
        type text not null,
        data jsonb not null,
        metadata jsonb not null,
        created_at timestamptz not null default now(),
        constraint es_events_event_id_key unique (event_id),
        constraint es_events_stream_revision_key unique (stream_name, revision)
      )`,
    `create index if not exists es_events_all_order on es_events (transaction_id, global_position)`,
    `create index if not exists es_events_type_order on es_events (type, transaction_id, global_position)`,
    APPEND_FUNCTION,
];
