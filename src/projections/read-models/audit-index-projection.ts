import type { Knex } from 'knex';
import { redactEventData } from '../../audit/redaction.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { Projection, TableNames } from '../projection.ts';
import { AUDITED_EVENT_TYPES } from './audit/audit-event-types.ts';
import { homeOfEvent, relatedStreams } from './audit/home-of-event.ts';

/** Rows per statement (8 columns each: well under the 65,535 bind parameters of one statement). */
const INSERT_CHUNK = 500;
/** …and bytes of JSON per statement: a page of large metadata snapshots (up to 256 KiB each) is split. */
const INSERT_CHUNK_BYTES = 4 * 1024 * 1024;

interface EventRow {
  position: string;
  stream: string;
  revision: number;
  type: string;
  recorded_at: Date;
  data: string;
  metadata: string;
}

/**
 * The stored form of an event: data redacted once here, so no read of this table can leak a digest or hash.
 * Personal values stay sealed as in the log (`event.sealed`): the audit API opens them when it answers, so an
 * erasure shows at once and a rebuild writes the same rows.
 */
function rowOf(event: RecordedEvent): EventRow {
  const stored = event.sealed ?? event;
  return {
    position: event.position,
    stream: event.streamName,
    revision: event.revision,
    type: event.type,
    recorded_at: event.created,
    data: JSON.stringify(redactEventData(stored.data)),
    metadata: JSON.stringify(stored.metadata),
  };
}

async function insertChunked(
  trx: Knex.Transaction,
  table: string,
  rows: ReadonlyArray<{ data: string; metadata: string }>,
): Promise<void> {
  let chunk: Array<{ data: string; metadata: string }> = [];
  let bytes = 0;
  for (const row of rows) {
    chunk.push(row);
    bytes += row.data.length + row.metadata.length;
    if (chunk.length >= INSERT_CHUNK || bytes >= INSERT_CHUNK_BYTES) {
      await trx(table).insert(chunk);
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) await trx(table).insert(chunk);
}

/**
 * `audit_index`: a home's audit history, one row per (home, event) in global order, with the event itself
 * (redacted) so a page of `GET /api/audit/` is one index range scan. `audit_stream_homes` is this projection's own
 * stream → home mapping (gateway, remote-command and pairing streams), `audit_parked` holds events whose home is
 * not known yet (a pairing code requested for a home that its redemption will create) until it is.
 */
export const auditIndexProjection: Projection = {
  name: 'audit_index',
  version: 1,
  eventTypes: AUDITED_EVENT_TYPES,
  tables: ['audit_index', 'audit_stream_homes', 'audit_parked'],
  // Every home event would otherwise wait for this table too; the audit route waits for it at read time instead.
  settlesWrites: false,
  // Every event of a home lands here: gathering a quarter of a second makes one transaction of a command's whole
  // life (issued, dispatched, outcome, the device's report) instead of one per step. GET /api/audit/ waits for the
  // head of the log, which cuts the gathering short.
  gatherMs: 250,

  async createTables(knex: Knex, table: TableNames) {
    const eventColumns = (t: Knex.CreateTableBuilder) => {
      // Collation "C": positions are fixed-width digit strings whose byte order is the log's order.
      t.specificType('position', 'text collate "C"').notNullable();
      t.text('stream').notNullable();
      t.integer('revision').notNullable();
      t.text('type').notNullable();
      t.timestamp('recorded_at', { useTz: true }).notNullable();
      t.jsonb('data').notNullable();
      t.jsonb('metadata').notNullable();
    };
    await knex.schema.createTable(table('audit_index'), (t) => {
      t.uuid('home_id').notNullable();
      eventColumns(t);
      // A page is `home_id = ? and position > ? order by position limit ?`: a range scan of this key.
      t.primary(['home_id', 'position']);
      // The same with `?type=`: a range scan per requested type.
      t.index(['home_id', 'type', 'position']);
    });
    await knex.schema.createTable(table('audit_stream_homes'), (t) => {
      t.text('stream').primary();
      t.uuid('home_id').notNullable();
    });
    await knex.schema.createTable(table('audit_parked'), (t) => {
      eventColumns(t);
      t.primary(['stream', 'position']);
    });
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    await applyPage(trx, [event], table);
  },

  applyBatch: applyPage,
};

/**
 * One page in a few statements: loads the mapping of every stream the page may need, resolves each event in
 * order (an event that reveals a stream's home files the stream's parked events, earlier in this page or
 * before), then writes mappings, moved and new rows.
 */
async function applyPage(trx: Knex.Transaction, page: readonly RecordedEvent[], table: TableNames): Promise<void> {
  // An account's erasure (on its user stream) is about a person, not a home: the history keeps home erasures.
  const events = page.filter((event) => !event.streamName.startsWith('user-'));
  const wanted = [...new Set(events.flatMap((event) => [event.streamName, ...relatedStreams(event)]))].filter(
    (s) => !s.startsWith('home-'),
  );
  const known = new Map<string, string>();
  for (let at = 0; at < wanted.length; at += INSERT_CHUNK) {
    const rows: Array<{ stream: string; home_id: string }> = await trx(table('audit_stream_homes'))
      .select('stream', 'home_id')
      .whereIn('stream', wanted.slice(at, at + INSERT_CHUNK));
    for (const row of rows) known.set(row.stream, row.home_id);
  }

  const indexed: Array<EventRow & { home_id: string }> = [];
  let parked: EventRow[] = [];
  const learnt: Array<{ stream: string; home_id: string }> = [];
  for (const event of events) {
    const { homeId, learns } = homeOfEvent(event, known);
    if (learns) {
      known.set(learns.stream, learns.homeId);
      learnt.push({ stream: learns.stream, home_id: learns.homeId });
      indexed.push(
        ...parked.filter((row) => row.stream === learns.stream).map((row) => ({ home_id: learns.homeId, ...row })),
      );
      parked = parked.filter((row) => row.stream !== learns.stream);
    }
    if (homeId === null) parked.push(rowOf(event));
    else indexed.push({ home_id: homeId, ...rowOf(event) });
  }

  if (learnt.length > 0) {
    await trx(table('audit_stream_homes')).insert(learnt).onConflict('stream').ignore();
    const homeOf = new Map(learnt.map((row) => [row.stream, row.home_id]));
    const earlier: EventRow[] = await trx(table('audit_parked'))
      .select('position', 'stream', 'revision', 'type', 'recorded_at', 'data', 'metadata')
      .whereIn('stream', [...homeOf.keys()]);
    if (earlier.length > 0) {
      const moved = earlier.map((row) => ({
        ...row,
        data: JSON.stringify(row.data),
        metadata: JSON.stringify(row.metadata),
        home_id: homeOf.get(row.stream)!,
      }));
      await insertChunked(trx, table('audit_index'), moved);
      await trx(table('audit_parked'))
        .whereIn('stream', [...homeOf.keys()])
        .delete();
    }
  }
  await insertChunked(trx, table('audit_index'), indexed);
  await insertChunked(trx, table('audit_parked'), parked);
}
