import type { GatewayRow } from '../../projections/queries/gateway-queries.ts';
import { isoOrNull } from '../path-params.ts';

/** The public shape of a gateway. */
export function gatewayBody(row: GatewayRow) {
  return {
    id: row.id,
    home_id: row.home_id,
    name: row.name,
    status: row.status,
    last_seen: isoOrNull(row.last_seen),
    created_at: new Date(row.created_at).toISOString(),
    revoked_at: isoOrNull(row.revoked_at),
  };
}

/** The one answer that shows a secret: provisioning (directly or by pairing). */
export function provisionedBody(row: GatewayRow, secret: string) {
  return {
    id: row.id,
    gateway_id: row.id,
    home_id: row.home_id,
    name: row.name,
    secret,
    status: row.status,
    created_at: new Date(row.created_at).toISOString(),
  };
}
