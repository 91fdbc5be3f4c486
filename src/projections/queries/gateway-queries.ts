import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';
import { prepareRead } from '../../database/prepared-read.ts';
import { preparePage, readPage, type Keyset, type Page, type PageRequest } from './keyset-page.ts';

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

const GATEWAY_ORDER: Keyset = { at: 'gateways.created_at', id: 'gateways.id', order: 'asc' };

/**
 * Status and last_seen combine two read models: the gateway's lifecycle (pending, revoked) and what the bridge
 * saw (online while a session is open, offline after it closed).
 */
function withPresence(knex: Knex, query: Knex.QueryBuilder) {
  return query.leftJoin('gateway_presence', 'gateway_presence.gateway_id', 'gateways.id').select(
    'gateways.id',
    'gateways.home_id',
    'gateways.name',
    'gateways.version',
    knex.raw(`case when gateways.status = 'revoked' then 'revoked'
        when gateway_presence.online then 'online'
        when gateway_presence.gateway_id is not null then 'offline'
        else gateways.status end as status`),
    knex.raw('coalesce(gateway_presence.last_seen, gateways.last_seen) as last_seen'),
    'gateways.created_at',
    'gateways.revoked_at',
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

/** The hot reads, compiled once (`database/prepared-read.ts`); exported for the spec that compares them with Knex. */
export const gatewayStatements = {
  visiblePage: preparePage('gateways_visible_page', { user: 'text' }, GATEWAY_ORDER, (knex, { user }) =>
    visible(knex, user),
  ),
  visibleById: prepareRead('gateways_visible_by_id', { gateway: 'text', user: 'text' }, (knex, params) =>
    visible(knex, params.user).where('gateways.id', params.gateway).limit(1),
  ),
  visibleAll: prepareRead('gateways_visible_all', { user: 'text' }, (knex, { user }) =>
    visible(knex, user).orderBy([{ column: 'gateways.created_at' }, { column: 'gateways.id' }]),
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

  /** One page of `visibleTo`, in the same order (oldest first). */
  async pageVisibleTo(userId: string, page: PageRequest): Promise<Page<GatewayRow & { role: Role }>> {
    return readPage(this.knex, gatewayStatements.visiblePage, { user: userId }, page, (row) => row.id);
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
