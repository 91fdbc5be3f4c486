import type { Knex } from 'knex';
import { orderingTimeOf } from '../../domain/bridge/device-report-time.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import type { TableNames } from '../projection.ts';
import { eraseSessionOrigins } from './erased-subjects.ts';

/**
 * `bridge` projection, a page at a time: consecutive events of one type (a run) become one statement per table,
 * instead of one or two statements per event (and per device). Runs are applied in page order, and inside a run
 * each statement is built to leave the rows exactly as the events applied one by one would (`projections
 * verify` compares the two):
 * - several writes to one row inside a statement are first folded in memory (Postgres refuses an
 *   `insert … on conflict do update` that touches a row twice), keeping what the last sequential write leaves;
 * - device states keep the "an older report never overwrites a newer one" rule (`reported_at <=`) both in the
 *   fold and against the stored row.
 */
export async function applyBridgeBatch(
  trx: Knex.Transaction,
  events: readonly RecordedEvent[],
  table: TableNames,
): Promise<void> {
  let start = 0;
  while (start < events.length) {
    let end = start + 1;
    while (end < events.length && events[end]!.type === events[start]!.type) end += 1;
    const run = events.slice(start, end);
    switch (run[0]!.type) {
      case 'BridgeSessionOpened':
        await sessionsOpened(trx, run, table);
        break;
      case 'BridgeSessionClosed':
        await sessionsClosed(trx, run, table);
        break;
      case 'DeviceStatesReported':
        await statesReported(trx, run, table);
        await touchPresence(trx, run, table);
        break;
      case 'HomeMetadataSynced':
        await metadataSynced(trx, run, table);
        await touchPresence(trx, run, table);
        break;
      case 'PersonalDataErased':
        for (const event of run) await eraseSessionOrigins(trx, event, table);
        break;
    }
    start = end;
  }
}

const text = (value: unknown): string => String(value);

/**
 * A text[] binding with NULL elements (remote address, user agent). Knex's `Value` type has no arrays with nulls,
 * though both drivers (pg, PGlite) send a null element as SQL NULL.
 */
const nullableTexts = (values: ReadonlyArray<unknown>): Knex.Value =>
  values.map((value) => (value === null || value === undefined ? null : String(value))) as unknown as string[];

/** Last value per key, in order of first appearance (the order does not matter to the statements). */
function lastBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const map = new Map<string, T>();
  for (const item of items) map.set(key(item), item);
  return [...map.values()];
}

async function sessionsOpened(trx: Knex.Transaction, run: readonly RecordedEvent[], table: TableNames): Promise<void> {
  // `on conflict do nothing`: the first Opened of a session wins, as it would one by one.
  const firsts = new Map<string, RecordedEvent>();
  for (const event of run)
    if (!firsts.has(String(event.data.session_id))) firsts.set(String(event.data.session_id), event);
  const sessions = [...firsts.values()];
  await trx.raw(
    `insert into ?? (session_id, gateway_id, home_id, node_id, remote_address, user_agent, started_at)
     select * from unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::text[], ?::timestamptz[])
     on conflict (session_id) do nothing`,
    [
      table('bridge_sessions'),
      sessions.map((e) => text(e.data.session_id)),
      sessions.map((e) => text(e.data.gateway_id)),
      sessions.map((e) => text(e.data.home_id)),
      sessions.map((e) => text(e.data.node_id)),
      nullableTexts(sessions.map((e) => e.data.remote_address)),
      nullableTexts(sessions.map((e) => e.data.user_agent)),
      sessions.map((e) => e.created.toISOString()),
    ],
  );
  // Presence is replaced by each Opened: the gateway's last one in the run wins.
  const presence = lastBy(run, (e) => String(e.data.gateway_id));
  await trx.raw(
    `insert into ?? (gateway_id, session_id, online, last_seen)
     select g, s, true, t from unnest(?::uuid[], ?::uuid[], ?::timestamptz[]) as u(g, s, t)
     on conflict (gateway_id) do update set session_id = excluded.session_id, online = excluded.online, last_seen = excluded.last_seen`,
    [
      table('gateway_presence'),
      presence.map((e) => text(e.data.gateway_id)),
      presence.map((e) => text(e.data.session_id)),
      presence.map((e) => e.created.toISOString()),
    ],
  );
}

async function sessionsClosed(trx: Knex.Transaction, run: readonly RecordedEvent[], table: TableNames): Promise<void> {
  const closes = lastBy(run, (e) => String(e.data.session_id));
  await trx.raw(
    `update ?? as b set ended_at = u.t, close_reason = u.r, frames_in = u.fi, frames_out = u.fo
     from unnest(?::uuid[], ?::timestamptz[], ?::text[], ?::int[], ?::int[]) as u(s, t, r, fi, fo)
     where b.session_id = u.s`,
    [
      table('bridge_sessions'),
      closes.map((e) => text(e.data.session_id)),
      closes.map((e) => e.created.toISOString()),
      closes.map((e) => text(e.data.reason)),
      closes.map((e) => Number(e.data.frames_in)),
      closes.map((e) => Number(e.data.frames_out)),
    ],
  );
  // Offline only if the closed session is the gateway's current one. No Opened runs inside a Closed run, so the
  // current session does not change within it: one row per (gateway, session) matches at most one presence row.
  const offline = lastBy(run, (e) => `${String(e.data.gateway_id)}/${String(e.data.session_id)}`);
  await trx.raw(
    `update ?? as p set online = false, last_seen = u.t
     from unnest(?::uuid[], ?::uuid[], ?::timestamptz[]) as u(g, s, t)
     where p.gateway_id = u.g and p.session_id = u.s`,
    [
      table('gateway_presence'),
      offline.map((e) => text(e.data.gateway_id)),
      offline.map((e) => text(e.data.session_id)),
      offline.map((e) => e.created.toISOString()),
    ],
  );
}

interface DeviceReport {
  gatewayId: string;
  deviceId: string;
  /** Of the first report in the run: the insert's value, which later updates never change. */
  homeId: string;
  state: unknown;
  reportedAt: string;
  reportedMs: number;
}

async function statesReported(trx: Knex.Transaction, run: readonly RecordedEvent[], table: TableNames): Promise<void> {
  const latest = new Map<string, DeviceReport>();
  for (const event of run) {
    const devices = event.data.devices as Array<{ device_id: string; state: unknown; reported_at: string }>;
    for (const device of devices) {
      const key = `${String(event.data.gateway_id)}/${device.device_id}`;
      const reportedAt = orderingTimeOf(device.reported_at, event.created);
      const reportedMs = reportedAt.getTime();
      const held = latest.get(key);
      // One by one, a report replaces the row when it is not older (`<=`): ties go to the later report.
      if (held && held.reportedMs > reportedMs) continue;
      latest.set(key, {
        gatewayId: String(event.data.gateway_id),
        deviceId: device.device_id,
        homeId: held?.homeId ?? String(event.data.home_id),
        state: device.state,
        reportedAt: reportedAt.toISOString(),
        reportedMs,
      });
    }
  }
  const rows = [...latest.values()];
  if (rows.length === 0) return;
  await trx.raw(
    `insert into ?? as d (gateway_id, device_id, home_id, state, reported_at)
     select * from unnest(?::uuid[], ?::text[], ?::uuid[], ?::jsonb[], ?::timestamptz[])
     on conflict (gateway_id, device_id) do update set state = excluded.state, reported_at = excluded.reported_at
     where d.reported_at <= excluded.reported_at`,
    [
      table('device_states'),
      rows.map((r) => r.gatewayId),
      rows.map((r) => r.deviceId),
      rows.map((r) => r.homeId),
      rows.map((r) => JSON.stringify(r.state)),
      rows.map((r) => r.reportedAt),
    ],
  );
}

async function metadataSynced(trx: Knex.Transaction, run: readonly RecordedEvent[], table: TableNames): Promise<void> {
  // Replaced whole each time: the home's last snapshot in the run wins.
  const snapshots = lastBy(run, (e) => String(e.data.home_id));
  await trx.raw(
    `insert into ?? (home_id, gateway_id, metadata, synced_at)
     select * from unnest(?::uuid[], ?::uuid[], ?::jsonb[], ?::timestamptz[])
     on conflict (home_id) do update set gateway_id = excluded.gateway_id, metadata = excluded.metadata, synced_at = excluded.synced_at`,
    [
      table('home_metadata'),
      snapshots.map((e) => text(e.data.home_id)),
      snapshots.map((e) => text(e.data.gateway_id)),
      snapshots.map((e) => JSON.stringify(e.data.metadata)),
      snapshots.map((e) => e.created.toISOString()),
    ],
  );
}

/** `last_seen` of gateways already present; the last event of each gateway in the run wins. */
async function touchPresence(trx: Knex.Transaction, run: readonly RecordedEvent[], table: TableNames): Promise<void> {
  const touches = lastBy(run, (e) => String(e.data.gateway_id));
  await trx.raw(
    `update ?? as p set last_seen = u.t from unnest(?::uuid[], ?::timestamptz[]) as u(g, t) where p.gateway_id = u.g`,
    [
      table('gateway_presence'),
      touches.map((e) => text(e.data.gateway_id)),
      touches.map((e) => e.created.toISOString()),
    ],
  );
}
