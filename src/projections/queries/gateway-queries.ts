import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';

export interface GatewayRow {
  id: string;
  home_id: string;
  name: string;
  status: 'pending' | 'online' | 'offline' | 'revoked';
  last_seen: Date | null;
  created_at: Date;
  revoked_at: Date | null;
}

/** Gateways the caller can see: those of homes they are a member of, never deleted ones. */
export class GatewayQueries {
  constructor(private readonly knex: Knex) {}

  async visibleTo(userId: string): Promise<GatewayRow[]> {
    return this.visible(userId).orderBy([{ column: 'gateways.created_at' }, { column: 'gateways.id' }]);
  }

  /** The gateway and the caller's role in its home, or null when it does not exist for them. */
  async byIdVisibleTo(gatewayId: string, userId: string): Promise<(GatewayRow & { role: Role }) | null> {
    return (await this.visible(userId).where('gateways.id', gatewayId).first()) ?? null;
  }

  /** For answers to callers without a user (a gateway completing its pairing). */
  async byId(gatewayId: string): Promise<GatewayRow | null> {
    return (await this.knex('gateways').where({ id: gatewayId }).whereNull('deleted_at').first()) ?? null;
  }

  private visible(userId: string) {
    return this.knex('gateways')
      .join('memberships', 'memberships.home_id', 'gateways.home_id')
      .where('memberships.user_id', userId)
      .whereNull('gateways.deleted_at')
      .select(
        'gateways.id',
        'gateways.home_id',
        'gateways.name',
        'gateways.status',
        'gateways.last_seen',
        'gateways.created_at',
        'gateways.revoked_at',
        'memberships.role',
      );
  }
}
