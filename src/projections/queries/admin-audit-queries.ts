import type { Knex } from 'knex';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { openRecords } from '../../eventstore/personal-data/open-sealed.ts';
import type { AuditRow } from './audit-queries.ts';

export interface AdminAuditRequest {
  homeId?: string | undefined;
  /** Events the user did (actor) or that name them (`data.user_id`). */
  userId?: string | undefined;
  /** Events of the gateway's streams or naming it (`data.gateway_id`). */
  gatewayId?: string | undefined;
  types: readonly string[];
  from: Date | null;
  to: Date | null;
  /** Exclusive: rows strictly before this global position (the last one of the previous page: newest first). */
  before: string | null;
  limit: number;
}

/**
 * The audit history across every home (`audit_index`, already redacted), newest first. Staff only: each row says
 * which home it belongs to. Rows keep personal values sealed; each page is opened with the data keys, as the
 * members' history is (AuditQueries), so erased values read "[erased]".
 */
export class AdminAuditQueries {
  constructor(
    private readonly knex: Knex,
    private readonly keys: DataKeys,
  ) {}

  async page(request: AdminAuditRequest): Promise<{ rows: Array<AuditRow & { home_id: string }>; more: boolean }> {
    const query = this.knex('audit_index')
      .select('home_id', 'position', 'stream', 'revision', 'type', 'recorded_at', 'data', 'metadata')
      .orderBy('position', 'desc')
      .limit(request.limit + 1);
    if (request.homeId) query.where('home_id', request.homeId);
    const gatewayId = request.gatewayId;
    if (gatewayId)
      query.where((w) =>
        w
          .whereIn('stream', [`gateway-${gatewayId}`, `gateway_telemetry-${gatewayId}`])
          .orWhereRaw("data->>'gateway_id' = ?", [gatewayId]),
      );
    const userId = request.userId;
    if (userId)
      query.where((w) =>
        w.whereRaw("metadata->'actor'->>'id' = ?", [userId]).orWhereRaw("data->>'user_id' = ?", [userId]),
      );
    if (request.before !== null) query.where('position', '<', request.before);
    if (request.types.length > 0) query.whereIn('type', [...request.types]);
    if (request.from !== null) query.where('recorded_at', '>=', request.from);
    if (request.to !== null) query.where('recorded_at', '<', request.to);
    const rows = (await query) as Array<AuditRow & { home_id: string }>;
    const page = await openRecords(rows.slice(0, request.limit), this.keys);
    return { rows: page.map(({ record }) => record), more: rows.length > request.limit };
  }
}
