import type { Knex } from 'knex';

export interface EntityRow {
  gateway_id: string;
  entity_id: string;
  name: string;
  entity_type: string;
  device_name: string;
  /** The latest state: the inventory's, or a state report's when that is newer. Exactly as the edge sent it. */
  state: unknown;
  unit: string | null;
  is_controllable: boolean | null;
  capabilities: unknown;
}

/** A home's devices as its field edge reported them (`devices` read model) with the latest states (`bridge`). */
export class DeviceQueries {
  constructor(private readonly knex: Knex) {}

  /**
   * The entities of the home's active gateway's latest inventory, in the edge's order. A home without an active
   * gateway, or whose gateway never sent an inventory, has none.
   */
  async entitiesOfHome(homeId: string): Promise<EntityRow[]> {
    return this.knex('device_inventory as i')
      .join('homes as h', function joinActiveGateway() {
        this.on('h.id', '=', 'i.home_id').andOn('h.active_gateway_id', '=', 'i.gateway_id');
      })
      .leftJoin('device_states as s', function joinLatestState() {
        this.on('s.gateway_id', '=', 'i.gateway_id').andOn('s.device_id', '=', 'i.entity_id');
      })
      .where('i.home_id', homeId)
      .orderBy('i.ordinal')
      .select(
        'i.gateway_id',
        'i.entity_id',
        'i.name',
        'i.entity_type',
        'i.device_name',
        this.knex.raw('case when s.reported_at > i.reported_at then s.state else i.state end as state'),
        'i.unit',
        'i.is_controllable',
        'i.capabilities',
      );
  }

  /** Entity id → the edge's device name, for one gateway's latest inventory (the live socket's device ids). */
  async deviceNamesOf(gatewayId: string): Promise<Map<string, string>> {
    const rows = await this.knex('device_inventory')
      .where({ gateway_id: gatewayId })
      .select('entity_id', 'device_name');
    return new Map(rows.map((row: { entity_id: string; device_name: string }) => [row.entity_id, row.device_name]));
  }
}
