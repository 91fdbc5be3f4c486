import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';
import { pageBy, pageOfRows, type Keyset, type Page, type PageRequest } from './keyset-page.ts';

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

/** Gateways the caller can see: those of homes they are a member of, never deleted ones. */
export class GatewayQueries {
  constructor(private readonly knex: Knex) {}

  async visibleTo(userId: string): Promise<GatewayRow[]> {
    return this.visible(userId).orderBy([{ column: 'gateways.created_at' }, { column: 'gateways.id' }]);
  }

  /** One page of `visibleTo`, in the same order (oldest first). */
  async pageVisibleTo(userId: string, page: PageRequest): Promise<Page<GatewayRow & { role: Role }>> {
    const rows = await pageBy(this.knex, this.visible(userId), GATEWAY_ORDER, page);
    return pageOfRows(rows, page, (row) => row.id);
  }

  /** The gateway and the caller's role in its home, or null when it does not exist for them. */
  async byIdVisibleTo(gatewayId: string, userId: string): Promise<(GatewayRow & { role: Role }) | null> {
    return (await this.visible(userId).where('gateways.id', gatewayId).first()) ?? null;
  }

  /** For answers to callers without a user (a gateway completing its pairing). */
  async byId(gatewayId: string): Promise<GatewayRow | null> {
    return (
      (await this.withPresence(this.knex('gateways'))
        .where('gateways.id', gatewayId)
        .whereNull('gateways.deleted_at')
        .first()) ?? null
    );
  }

  private visible(userId: string) {
    return this.withPresence(this.knex('gateways'))
      .join('memberships', 'memberships.home_id', 'gateways.home_id')
      .where('memberships.user_id', userId)
      .whereNull('gateways.deleted_at')
      .select('memberships.role');
  }

  /**
   * Status and last_seen combine two read models: the gateway's lifecycle (pending, revoked) and what the bridge
   * saw (online while a session is open, offline after it closed).
   */
  private withPresence(query: Knex.QueryBuilder) {
    return query.leftJoin('gateway_presence', 'gateway_presence.gateway_id', 'gateways.id').select(
      'gateways.id',
      'gateways.home_id',
      'gateways.name',
      'gateways.version',
      this.knex.raw(`case when gateways.status = 'revoked' then 'revoked'
          when gateway_presence.online then 'online'
          when gateway_presence.gateway_id is not null then 'offline'
          else gateways.status end as status`),
      this.knex.raw('coalesce(gateway_presence.last_seen, gateways.last_seen) as last_seen'),
      'gateways.created_at',
      'gateways.revoked_at',
    );
  }
}
