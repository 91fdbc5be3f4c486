import type { Knex } from 'knex';

/**
 * The event log. `transaction_id` (xid8) and `global_position` together give the `$all` order; readers only see
 * transactions older than the oldest one still running (see readAll), so an event that commits late is never
 * skipped. Per-stream concurrency is the conditional update of `es_streams.revision`: no global lock.
 */
export async function ensureEventStoreSchema(knex: Knex): Promise<void> {
  // One statement per call: PGlite runs each through the extended protocol, which refuses several at once.
  for (const statement of [
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
  ]) {
    await knex.raw(statement);
  }
}
