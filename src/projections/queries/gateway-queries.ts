import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';
import { prepareRead } from '../../database/prepared-read.ts';
import { prepareJsonPage, readJsonPage, type JsonPage } from './json-page.ts';
import type { Keyset, PageRequest } from './keyset-page.ts';

export interface GatewayRow {
  id: string;
  home_id: string;
  name: string;
  /** The gateway software's version it reported at pairing, if any. */
  version: string | null;
  status: 'pending' | 'online' | 'offline' | 'revoked';
  last_seen: Date | null;
  created_at: Date;
  revoked_at: Date | null;
}

/**
 * A gateway as the list's JSON writes it: its timestamps as the API's text (`2026-12-02T10:00:00.123Z`, what
 * `Date.toISOString()` gives for the row's `Date`), written by the database (`json-page.ts`).
 */
export type GatewayListRow = Omit<GatewayRow, 'last_seen' | 'created_at' | 'revoked_at'> & {
  last_seen: string | null;
  created_at: string;
  revoked_at: string | null;
};

/** The columns of `gateways` a read answers from (`withPresence`). */
const GATEWAY_COLUMNS = ['id', 'home_id', 'name', 'version', 'status', 'last_seen', 'created_at', 'revoked_at'];

/** The keys of a list item, in the order the API has always sent them (`gatewayListItem`). */
const LIST_ITEM_FIELDS = [
  'id',
  'home_id',
  'name',
  'version',
  'status',
  'last_seen',
  'created_at',
  'revoked_at',
] as const;

const GATEWAY_ORDER: Keyset = { at: 'gateways.created_at', id: 'gateways.id', order: 'asc' };

/** How a read hands timestamps over: as `Date`s (the driver parses them), or as the API's ISO text. */
type TimestampsAs = 'dates' | 'iso text';

/**
 * The SQL of a timestamp column for `timestampsAs`. The text is `Date.toISOString()`'s for the same value: UTC,
 * milliseconds truncated as both drivers truncate the microseconds they parse, `null` for null.
 */
function timestamp(expression: string, timestampsAs: TimestampsAs, alias: string): string {
  if (timestampsAs === 'dates') return `${expression} as ${alias}`;
  return `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as ${alias}`;
}

/**
 * Status and last_seen combine two read models: the gateway's lifecycle (pending, revoked) and what the bridge
 * saw (online while a session is open, offline after it closed).
 */
function withPresence(knex: Knex, query: Knex.QueryBuilder, timestampsAs: TimestampsAs = 'dates') {
  return query.leftJoin('gateway_presence', 'gateway_presence.gateway_id', 'gateways.id').select(
    'gateways.id',
    'gateways.home_id',
    'gateways.name',
    'gateways.version',
    knex.raw(`case when gateways.status = 'revoked' then 'revoked'
        when gateway_presence.online then 'online'
        when gateway_presence.gateway_id is not null then 'offline'
        else gateways.status end as status`),
    knex.raw(timestamp('coalesce(gateway_presence.last_seen, gateways.last_seen)', timestampsAs, 'last_seen')),
    knex.raw(timestamp('gateways.created_at', timestampsAs, 'created_at')),
    knex.raw(timestamp('gateways.revoked_at', timestampsAs, 'revoked_at')),
  );
}

/** Gateways of the homes the user is a member of, never deleted ones, with the user's role. */
function visible(knex: Knex, userId: string) {
  return withPresence(knex, knex('gateways'))
    .join('memberships', 'memberships.home_id', 'gateways.home_id')
    .where('memberships.user_id', userId)
    .whereNull('gateways.deleted_at')
    .select('memberships.role');
}

/**
 * The same rows as `visible`, for the lists: the caller's memberships first, then each home's gateways through
 * `gateways_home_id_index`. Written as `visible`'s join, the plan depends on statistics that PGlite never gathers (it
 * has no autovacuum) and a PostgreSQL server gathers only after autovacuum's threshold: without them PostgreSQL
 * guesses a handful of rows on each side and compares every membership with every gateway (200 homes: 40,000 pairs,
 * ~1.3 ms of the server's CPU, 7 ms on PGlite). The lateral subquery's `offset 0` keeps PostgreSQL from flattening it
 * back into that join, so each membership costs one index probe with or without statistics. The alias is the table's
 * name, so every column is qualified as in `visible` (and the keyset's `gateways.created_at`, `gateways.id`).
 */
function visibleByMembership(knex: Knex, userId: string, timestampsAs: TimestampsAs) {
  const homesGateways = `cross join lateral (select ?? from gateways where gateways.home_id = memberships.home_id
      and gateways.deleted_at is null offset 0) as gateways`;
  const columns = GATEWAY_COLUMNS.map((column) => `gateways.${column}`);
  const query = knex('memberships').joinRaw(homesGateways, [columns]).where('memberships.user_id', userId);
  return withPresence(knex, query, timestampsAs).select('memberships.role');
}

/** The hot reads, compiled once (`database/prepared-read.ts`); exported for the spec that compares them with Knex. */
export const gatewayStatements = {
  visiblePage: prepareJsonPage(
    'gateways_visible_page',
    { user: 'text' },
    GATEWAY_ORDER,
    LIST_ITEM_FIELDS,
    (knex, { user }) => visibleByMembership(knex, user, 'iso text'),
  ),
  visibleById: prepareRead('gateways_visible_by_id', { gateway: 'text', user: 'text' }, (knex, params) =>
    visible(knex, params.user).where('gateways.id', params.gateway).limit(1),
  ),
  visibleAll: prepareRead('gateways_visible_all', { user: 'text' }, (knex, { user }) =>
    visibleByMembership(knex, user, 'dates').orderBy([{ column: 'gateways.created_at' }, { column: 'gateways.id' }]),
  ),
  byId: prepareRead('gateways_by_id', { gateway: 'text' }, (knex, { gateway }) =>
    withPresence(knex, knex('gateways')).where('gateways.id', gateway).whereNull('gateways.deleted_at').limit(1),
  ),
};

/** Gateways the caller can see: those of homes they are a member of, never deleted ones. */
export class GatewayQueries {
  constructor(private readonly knex: Knex) {}

  async visibleTo(userId: string): Promise<GatewayRow[]> {
    return gatewayStatements.visibleAll.read<GatewayRow>(this.knex, { user: userId });
  }

  /** One page of `visibleTo`, in the same order (oldest first), as the list's JSON (items shaped as `GatewayListRow`). */
  async pageVisibleToAsJson(userId: string, page: PageRequest): Promise<JsonPage> {
    return readJsonPage(this.knex, gatewayStatements.visiblePage, { user: userId }, page);
  }

  /** The gateway and the caller's role in its home, or null when it does not exist for them. */
  async byIdVisibleTo(gatewayId: string, userId: string): Promise<(GatewayRow & { role: Role }) | null> {
    const params = { gateway: gatewayId, user: userId };
    const [row] = await gatewayStatements.visibleById.read<GatewayRow & { role: Role }>(this.knex, params);
    return row ?? null;
  }

  /** For answers to callers without a user (a gateway completing its pairing). */
  async byId(gatewayId: string): Promise<GatewayRow | null> {
    const [row] = await gatewayStatements.byId.read<GatewayRow>(this.knex, { gateway: gatewayId });
    return row ?? null;
  }
}
