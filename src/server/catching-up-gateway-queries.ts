import type { Knex } from 'knex';
import type { Role } from '../domain/homes/roles.ts';
import { GatewayQueries, type GatewayRow } from '../projections/queries/gateway-queries.ts';
import { gatewaysProjection } from '../projections/read-models/gateways-projection.ts';
import { membershipsProjection } from '../projections/read-models/memberships-projection.ts';

/** The read models a gateway lookup joins: a write it may have to wait for carries one of their event types. */
export const GATEWAY_LOOKUP_PROJECTIONS = [gatewaysProjection, membershipsProjection] as const;
export const GATEWAY_LOOKUP_EVENT_TYPES: readonly string[] = GATEWAY_LOOKUP_PROJECTIONS.flatMap(
  (projection) => projection.eventTypes,
);

/**
 * A gateway the read models do not show yet may be one the caller has just written — provisioned or paired on this
 * node or on another, whose projections apply it a moment later. A write must never be answered 404 for that, so
 * before "not found" this asks `catchUp` (gateway-lookup-catch-up.ts), which waits (bounded) when a write known to
 * this process may not be in the read models yet, and then looks once more. A hit costs nothing extra; a miss with
 * nothing to wait for costs nothing extra either (no head read, no wait, no second look).
 */
export class CatchingUpGatewayQueries extends GatewayQueries {
  constructor(
    knex: Knex,
    /** True once it waited for the read models (a second look may find the gateway); false: answer at once. */
    private readonly catchUp: () => Promise<boolean>,
  ) {
    super(knex);
  }

  override async byIdVisibleTo(gatewayId: string, userId: string): Promise<(GatewayRow & { role: Role }) | null> {
    const found = await super.byIdVisibleTo(gatewayId, userId);
    if (found || !(await this.catchUp())) return found;
    return super.byIdVisibleTo(gatewayId, userId);
  }
}
