import type { Knex } from 'knex';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { openRecords } from '../../eventstore/personal-data/open-sealed.ts';

export interface AuditPageRequest {
  homeId: string;
  /** Exclusive: rows strictly after this global position (the last one of the previous page). */
  after: string | null;
  /** Only these event types (none: every type). */
  types: readonly string[];
  /** Recorded at or after (inclusive). */
  from: Date | null;
  /** Recorded before (exclusive). */
  to: Date | null;
  limit: number;
}

export interface AuditRow {
  position: string;
  stream: string;
  revision: number;
  type: string;
  recorded_at: Date;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * A home's audit history from the `audit_index` read model (events already redacted by the projection, personal
 * values sealed): each page is opened with the data keys, so erased people read "[erased]".
 */
export class AuditQueries {
  constructor(
    private readonly knex: Knex,
    private readonly keys: DataKeys,
  ) {}

  /**
   * One page, oldest first: a range scan of the (home_id, position) key — or of (home_id, type, position) with a
   * type filter. `more` says whether rows follow the page (one extra row is read to know).
   */
  async page(request: AuditPageRequest): Promise<{ rows: AuditRow[]; more: boolean }> {
    const query = this.knex('audit_index')
      .select<AuditRow[]>('position', 'stream', 'revision', 'type', 'recorded_at', 'data', 'metadata')
      .where('home_id', request.homeId)
      .orderBy('position')
      .limit(request.limit + 1);
    if (request.after !== null) query.where('position', '>', request.after);
    if (request.types.length > 0) query.whereIn('type', [...request.types]);
    if (request.from !== null) query.where('recorded_at', '>=', request.from);
    if (request.to !== null) query.where('recorded_at', '<', request.to);
    const rows = await query;
    const page = await openRecords(rows.slice(0, request.limit), this.keys);
    return { rows: page.map(({ record }) => record), more: rows.length > request.limit };
  }
}

/** The event types a home's audit history holds (what `?type=` may name). */
export { AUDITED_EVENT_TYPES } from '../read-models/audit/audit-event-types.ts';
