import type { ProvisionedGateway } from '../../commands/gateways/gateway-commands.ts';
import type { GatewayListRow, GatewayRow } from '../../projections/queries/gateway-queries.ts';
import { isoOrNull } from '../path-params.ts';
import type { GatewayResponse, ProvisionedResponse } from '../contracts/gateway-contract.ts';

/** The public shape of a gateway. */
export function gatewayBody(row: GatewayRow): GatewayResponse {
  return gatewayListItem({
    ...row,
    last_seen: isoOrNull(row.last_seen),
    created_at: new Date(row.created_at).toISOString(),
    revoked_at: isoOrNull(row.revoked_at),
  });
}

/** The same shape from a list row, whose timestamps the query already wrote as this text. */
export function gatewayListItem(row: GatewayListRow): GatewayResponse {
  return {
    id: row.id,
    home_id: row.home_id,
    name: row.name,
    version: row.version,
    status: row.status,
    last_seen: row.last_seen,
    created_at: row.created_at,
    revoked_at: row.revoked_at,
  };
}

/**
 * The one answer that shows a secret: provisioning (directly or by pairing). Built from what the write recorded,
 * never from a read model, which may not show the gateway yet: a write never answers 404 for what it committed
 * (a new gateway is `pending` until the bridge reports it).
 */
export function provisionedBody(provisioned: ProvisionedGateway): ProvisionedResponse {
  return {
    id: provisioned.gatewayId,
    gateway_id: provisioned.gatewayId,
    home_id: provisioned.homeId,
    name: provisioned.name,
    version: provisioned.version,
    secret: provisioned.secret,
    status: 'pending' as const,
    created_at: provisioned.provisionedAt.toISOString(),
  };
}
