import type { Knex } from 'knex';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { openValues } from '../../eventstore/personal-data/open-sealed.ts';

export interface Page {
  limit: number;
  offset: number;
}

export interface Listing<Row> {
  items: Row[];
  total: number;
}

export interface AdminUserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  staff: boolean;
  deactivated: boolean;
  deactivation_reason: string | null;
  last_login_at: Date | null;
}

export interface AdminHomeRow {
  id: string;
  name: string;
  owner_id: string;
  owner_email: string | null;
  active_gateway_id: string | null;
  created_at: Date;
  members: number;
}

export interface AdminGatewayRow {
  id: string;
  home_id: string;
  name: string;
  version: string | null;
  status: string;
  online: boolean;
  last_seen: Date | null;
  node_id: string | null;
  session_id: string | null;
  created_at: Date;
  revoked_at: Date | null;
}

export interface OpenSessionRow {
  session_id: string;
  gateway_id: string;
  gateway_name: string | null;
  home_id: string;
  node_id: string;
  remote_address: string | null;
  started_at: Date;
  frames_in: number;
  frames_out: number;
}

/** The status the REST side shows (gateway-queries.ts): the lifecycle, or the bridge's presence when it has one. */
const STATUS_SQL = `case when gateways.status = 'revoked' then 'revoked'
  when gateway_presence.online then 'online'
  when gateway_presence.gateway_id is not null then 'offline'
  else gateways.status end`;

/** `ILIKE` pattern for a search term, wildcards in the term taken literally. */
const containing = (term: string) => `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

async function listing<Row>(query: Knex.QueryBuilder, page: Page, order: (q: Knex.QueryBuilder) => void) {
  const counted = query.clone().clearSelect().clearOrder().count<{ count: string | number }[]>('* as count').first();
  const paged = query.clone();
  order(paged);
  const [items, count] = await Promise.all([paged.limit(page.limit).offset(page.offset), counted]);
  return { items: items as Row[], total: Number((count as { count?: string | number } | undefined)?.count ?? 0) };
}

/**
 * The staff's reads across every home (the admin API). Each list is one page of an indexed query plus a count,
 * never the whole table: the console stays usable with tens of thousands of gateways.
 */
export class AdminQueries {
  constructor(
    private readonly knex: Knex,
    private readonly keys: DataKeys,
  ) {}

  async users(
    filter: { q?: string | undefined; staff?: boolean | undefined; deactivated?: boolean | undefined },
    page: Page,
  ): Promise<Listing<AdminUserRow>> {
    const query = this.usersQuery();
    if (filter.q) {
      const pattern = containing(filter.q);
      query.where((w) => w.whereILike('users.email', pattern).orWhereILike('users.name', pattern));
    }
    if (filter.staff !== undefined) query.whereRaw('coalesce(account_admin.staff, false) = ?', [filter.staff]);
    if (filter.deactivated !== undefined)
      query.whereRaw('coalesce(account_admin.deactivated, false) = ?', [filter.deactivated]);
    const found = await listing<AdminUserRow>(query, page, (q) =>
      q.orderBy([{ column: 'users.created_at' }, 'users.id']),
    );
    return { ...found, items: await this.openReasons(found.items) };
  }

  async user(id: string): Promise<AdminUserRow | null> {
    const row = (await this.usersQuery().where('users.id', id).first()) as AdminUserRow | undefined;
    return row ? (await this.openReasons([row]))[0]! : null;
  }

  /** The deactivation reason is kept sealed (the staff member's key): opened, or "[erased]", when answered. */
  private async openReasons(rows: AdminUserRow[]): Promise<AdminUserRow[]> {
    const reasons = await openValues(
      rows.map((row) => row.deactivation_reason),
      this.keys,
    );
    return rows.map((row, index) => ({ ...row, deactivation_reason: reasons[index]! }));
  }

  async homesOfUser(userId: string): Promise<Array<{ id: string; name: string; role: string }>> {
    return this.knex('memberships')
      .join('homes', 'homes.id', 'memberships.home_id')
      .where('memberships.user_id', userId)
      .orderBy('memberships.granted_at')
      .select('homes.id', 'homes.name', 'memberships.role');
  }

  async homes(filter: { q?: string | undefined }, page: Page): Promise<Listing<AdminHomeRow>> {
    const query = this.homesQuery();
    if (filter.q) {
      const pattern = containing(filter.q);
      query.where((w) => w.whereILike('homes.name', pattern).orWhereILike('users.email', pattern));
    }
    return listing<AdminHomeRow>(query, page, (q) => q.orderBy([{ column: 'homes.created_at' }, 'homes.id']));
  }

  async home(id: string): Promise<AdminHomeRow | null> {
    return ((await this.homesQuery().where('homes.id', id).first()) as AdminHomeRow | undefined) ?? null;
  }

  async members(homeId: string): Promise<Array<{ user_id: string; email: string | null; role: string }>> {
    return this.knex('memberships')
      .leftJoin('users', 'users.id', 'memberships.user_id')
      .where('memberships.home_id', homeId)
      .orderBy('memberships.granted_at')
      .select('memberships.user_id', 'users.email', 'memberships.role');
  }

  async gateways(
    filter: {
      q?: string | undefined;
      status?: string | undefined;
      online?: boolean | undefined;
      homeId?: string | undefined;
    },
    page: Page,
  ): Promise<Listing<AdminGatewayRow>> {
    const query = this.gatewaysQuery();
    const term = filter.q;
    if (term) {
      const pattern = containing(term);
      query.where((w) => w.whereILike('gateways.name', pattern).orWhereRaw('gateways.id::text = ?', [term]));
    }
    if (filter.status) query.whereRaw(`${STATUS_SQL} = ?`, [filter.status]);
    if (filter.homeId) query.where('gateways.home_id', filter.homeId);
    if (filter.online !== undefined) query.whereRaw('coalesce(gateway_presence.online, false) = ?', [filter.online]);
    return listing<AdminGatewayRow>(query, page, (q) =>
      q.orderBy([{ column: 'gateways.created_at', order: 'desc' }, 'gateways.id']),
    );
  }

  async gateway(id: string): Promise<AdminGatewayRow | null> {
    return ((await this.gatewaysQuery().where('gateways.id', id).first()) as AdminGatewayRow | undefined) ?? null;
  }

  async openSessions(filter: { nodeId?: string | undefined }, page: Page): Promise<Listing<OpenSessionRow>> {
    const query = this.knex('bridge_sessions')
      .leftJoin('gateways', 'gateways.id', 'bridge_sessions.gateway_id')
      .whereNull('bridge_sessions.ended_at')
      .select(
        'bridge_sessions.session_id',
        'bridge_sessions.gateway_id',
        'gateways.name as gateway_name',
        'bridge_sessions.home_id',
        'bridge_sessions.node_id',
        'bridge_sessions.remote_address',
        'bridge_sessions.started_at',
        'bridge_sessions.frames_in',
        'bridge_sessions.frames_out',
      );
    if (filter.nodeId) query.where('bridge_sessions.node_id', filter.nodeId);
    return listing<OpenSessionRow>(query, page, (q) =>
      q.orderBy([{ column: 'bridge_sessions.started_at', order: 'desc' }, 'bridge_sessions.session_id']),
    );
  }

  async sessionsOfGateway(gatewayId: string, limit: number) {
    return this.knex('bridge_sessions')
      .where('gateway_id', gatewayId)
      .orderBy('started_at', 'desc')
      .limit(limit)
      .select<
        Array<{
          session_id: string;
          node_id: string;
          remote_address: string | null;
          started_at: Date;
          ended_at: Date | null;
          close_reason: string | null;
        }>
      >('session_id', 'node_id', 'remote_address', 'started_at', 'ended_at', 'close_reason');
  }

  async queuedCommands(gatewayId: string, limit: number) {
    return this.knex('remote_commands')
      .where('gateway_id', gatewayId)
      .whereIn('status', ['issued', 'dispatched'])
      .orderBy('issued_at')
      .limit(limit)
      .select<
        Array<{ id: string; device_id: string; action: string; status: string; issued_at: Date; attempts: number }>
      >('id', 'device_id', 'action', 'status', 'issued_at', 'attempts');
  }

  /** The fleet in numbers: each an aggregate over an indexed column, never a load of the rows. */
  async fleet(now: Date) {
    const count = async (query: Knex.QueryBuilder) =>
      Number(((await query.count<{ count: string | number }[]>('* as count').first()) as { count: number }).count);
    const [homes, online, openSessions, commandsLastMinute, byStatus] = await Promise.all([
      count(this.knex('homes')),
      count(this.knex('gateway_presence').where('online', true)),
      count(this.knex('bridge_sessions').whereNull('ended_at')),
      count(this.knex('remote_commands').where('issued_at', '>=', new Date(now.getTime() - 60_000))),
      this.knex('gateways').whereNull('deleted_at').groupBy('status').select('status').count('* as count'),
    ]);
    const statuses = Object.fromEntries(
      (byStatus as Array<{ status: string; count: string | number }>).map((row) => [row.status, Number(row.count)]),
    );
    const total = Object.values(statuses).reduce((sum, n) => sum + n, 0);
    const revoked = statuses.revoked ?? 0;
    return {
      homes,
      gateways: { total, online, offline: Math.max(0, total - revoked - online), revoked },
      sessions_open: openSessions,
      commands_per_minute: commandsLastMinute,
    };
  }

  private usersQuery() {
    return this.knex('users')
      .leftJoin('account_admin', 'account_admin.user_id', 'users.id')
      .select(
        'users.id',
        'users.email',
        'users.name',
        'users.created_at',
        this.knex.raw('coalesce(account_admin.staff, false) as staff'),
        this.knex.raw('coalesce(account_admin.deactivated, false) as deactivated'),
        'account_admin.deactivation_reason',
        'account_admin.last_login_at',
      );
  }

  private homesQuery() {
    const members = this.knex('memberships').count('*').where('memberships.home_id', this.knex.ref('homes.id'));
    return this.knex('homes')
      .leftJoin('users', 'users.id', 'homes.owner_id')
      .select(
        'homes.id',
        'homes.name',
        'homes.owner_id',
        'users.email as owner_email',
        'homes.active_gateway_id',
        'homes.created_at',
        members.as('members'),
      );
  }

  private gatewaysQuery() {
    return this.knex('gateways')
      .leftJoin('gateway_presence', 'gateway_presence.gateway_id', 'gateways.id')
      .leftJoin('bridge_sessions', 'bridge_sessions.session_id', 'gateway_presence.session_id')
      .whereNull('gateways.deleted_at')
      .select(
        'gateways.id',
        'gateways.home_id',
        'gateways.name',
        'gateways.version',
        this.knex.raw(`${STATUS_SQL} as status`),
        this.knex.raw('coalesce(gateway_presence.online, false) as online'),
        this.knex.raw('coalesce(gateway_presence.last_seen, gateways.last_seen) as last_seen'),
        this.knex.raw('case when gateway_presence.online then bridge_sessions.node_id end as node_id'),
        this.knex.raw('case when gateway_presence.online then gateway_presence.session_id end as session_id'),
        'gateways.created_at',
        'gateways.revoked_at',
      );
  }
}
