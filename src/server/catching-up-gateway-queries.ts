import type { Knex } from 'knex';
import type { Role } from '../domain/homes/roles.ts';
import { GatewayQueries, type GatewayRow } from '../projections/queries/gateway-queries.ts';

/**
 * A gateway the read models do not show yet may be one the caller has just written — provisioned or paired on this
 * node or on another, whose projections apply it a moment later. A write must never be answered 404 for that, so
 * before "not found" this waits (bounded) until the read models behind the lookup hold everything the log held at
 * the time of the request, then looks once more. A hit costs nothing extra; a miss costs a head read and the wait.
 */
export class CatchingUpGatewayQueries extends GatewayQueries {
  constructor(
    knex: Knex,
    private readonly caughtUp: () => Promise<unknown>,
  ) {
    super(knex);
  }

  override async byIdVisibleTo(gatewayId: string, userId: string): Promise<(GatewayRow & { role: Role }) | null> {
    const found = await super.byIdVisibleTo(gatewayId, userId);
    if (found) return found;
    await this.caughtUp();
    return super.byIdVisibleTo(gatewayId, userId);
  }
}
