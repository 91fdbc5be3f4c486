import type { Knex } from 'knex';
import { APPEND_BATCH_AT_ONCE_FUNCTION, APPEND_BATCH_FUNCTION } from './append-batch-function.ts';
import { INDEX_LOOKUPS_ONLY } from './index-lookups-only.ts';

/**
 * The event log. `transaction_id` (xid8) and `global_position` together give the `$all` order; readers only see
 * transactions older than the oldest *appending* transaction still running (see es_read_horizon), so an event that
 * commits late is never skipped. Per-stream concurrency is the conditional update of `es_streams.revision`: no
 * global lock (appenders share one advisory lock, which only marks them for readers).
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
language plpgsql ${INDEX_LOOKUPS_ONLY} as $$
declare
  v_count int := cardinality(p_ids);
  v_found int;
  v_same boolean;
  v_revision bigint;
begin
  perform es_take_append_lock();
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
/**
 * Key of the shared advisory lock every appending transaction holds from before its first write to its end. A
 * small key, so in pg_locks it is `classid = 0, objid = key, objsubid = 1`.
 */
const APPEND_LOCK_KEY = 7_310_002;

/**
 * Marks the calling transaction as an appender: a shared lock (appenders never wait for each other) taken before
 * the transaction's first write, i.e. before it has a transaction id. From then until it ends, a reader can tell
 * it from every other running transaction. A transaction that already wrote something else cannot become an
 * appender: a reader may already have looked past it.
 */
const TAKE_APPEND_LOCK_FUNCTION = `
create or replace function es_take_append_lock() returns void language plpgsql as $$
begin
  if current_setting('es.append_lock', true) = 'held' then return; end if;
  if pg_current_xact_id_if_assigned() is not null then
    raise exception 'an event append must be the first write of its transaction (use es_append)'
      using errcode = 'object_not_in_prerequisite_state';
  end if;
  perform pg_advisory_xact_lock_shared(${APPEND_LOCK_KEY});
  perform set_config('es.append_lock', 'held', true);
end
$$`;

/** Guards es_events against writers that bypass es_append (they would be invisible to es_read_horizon). */
const APPEND_LOCK_TRIGGER_FUNCTION = `
create or replace function es_events_require_append_lock() returns trigger language plpgsql as $$
begin
  perform es_take_append_lock();
  return null;
end
$$`;

/**
 * Whether `p_xid`, running at a reader's snapshot and holding no append lock when the locks were read afterwards,
 * may hold events that snapshot does not see. Still running: no (it had an id before it could take the lock, so it
 * can never append). Ended since: only if it left events in the log — looked up in a snapshot that shows it ended,
 * taken after its status said so (the status is set a moment before the transaction leaves the running set).
 * Answering "yes" for every ended transaction, as this once did, made a reader's horizon fall behind an earlier
 * reader's: a transaction elsewhere (any database, no events) that ended between a statement's snapshot and this
 * check hid committed events an earlier statement had shown. Should the snapshot never show it ended (a reader in a
 * repeatable-read transaction keeps one snapshot), the answer is "yes": a lower horizon only delays.
 */
const MAY_HOLD_UNSEEN_EVENTS_FUNCTION = `
create or replace function es_may_hold_unseen_events(p_xid xid8) returns boolean language plpgsql ${INDEX_LOOKUPS_ONLY} as $$
declare
  v_ended boolean;
  v_appended boolean;
begin
  if pg_xact_status(p_xid) = 'in progress' then return false; end if;
  for attempt in 1..50 loop
    select pg_visible_in_snapshot(p_xid, pg_current_snapshot()),
           exists (select 1 from es_events where transaction_id = p_xid)
      into v_ended, v_appended;
    if v_ended then return v_appended; end if;
    perform pg_sleep(0.001);
  end loop;
  return true;
end
$$`;

/**
 * The read horizon for the statement whose snapshot is `p_snapshot`: every transaction id below it belongs to a
 * transaction that cannot append anything the snapshot does not already see. It is the oldest transaction that was
 * running at the snapshot and is either appending (holds the append lock) or has ended since leaving events in the
 * log; transactions that are still running and do not hold the lock are ignored — they already have an id, so they
 * can never append (es_take_append_lock). This keeps a long transaction elsewhere on the server (another database, a
 * pg_dump, an idle session) from stalling every reader, which `pg_snapshot_xmin` alone would do. The holders are read
 * before the statuses: a transaction missing from the holders had ended by then, and its status, read afterwards,
 * says so. The horizon never falls behind an earlier statement's (see es_may_hold_unseen_events): what one read saw,
 * every later read sees, so the visible log is a prefix that only grows.
 */
const READ_HORIZON_FUNCTION = `
create or replace function es_read_horizon(p_snapshot pg_snapshot) returns xid8 language plpgsql as $$
declare
  v_appending bigint[];
  v_running xid8;
begin
  if pg_snapshot_xmin(p_snapshot) = pg_snapshot_xmax(p_snapshot) then
    return pg_snapshot_xmax(p_snapshot);
  end if;
  select coalesce(array_agg(held.transactionid::text::bigint), '{}') into v_appending
    from pg_locks appender
    join pg_locks held on held.virtualtransaction = appender.virtualtransaction and held.locktype = 'transactionid'
   where appender.locktype = 'advisory' and appender.classid = 0 and appender.objid = ${APPEND_LOCK_KEY}
     and appender.objsubid = 1 and appender.granted
     and appender.database = (select oid from pg_database where datname = current_database());
  -- Oldest first, stopping at the first that may hold unseen events (each check may read the log).
  for v_running in select running from pg_snapshot_xip(p_snapshot) as running order by running loop
    if (v_running::text::bigint % 4294967296) = any(v_appending) or es_may_hold_unseen_events(v_running) then
      return v_running;
    end if;
  end loop;
  return pg_snapshot_xmax(p_snapshot);
end
$$`;

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
  TAKE_APPEND_LOCK_FUNCTION,
  APPEND_LOCK_TRIGGER_FUNCTION,
  `create or replace trigger es_events_append_lock before insert on es_events
       for each statement execute function es_events_require_append_lock()`,
  MAY_HOLD_UNSEEN_EVENTS_FUNCTION,
  READ_HORIZON_FUNCTION,
  APPEND_FUNCTION,
  APPEND_BATCH_AT_ONCE_FUNCTION,
  APPEND_BATCH_FUNCTION,
];
