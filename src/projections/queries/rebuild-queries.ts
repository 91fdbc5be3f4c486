import type { Knex } from 'knex';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';
import { openValues } from '../../eventstore/personal-data/open-sealed.ts';

export interface RebuildRow {
  rebuild_id: string;
  projection: string;
  state: 'running' | 'completed' | 'failed';
  staff_id: string | null;
  reason: string;
  node_id: string;
  done: string | number;
  total: string | number | null;
  rejected: string | number | null;
  error: string | null;
  abandoned: boolean;
  started_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
}

/**
 * The `projection_rebuilds` read model: rebuilds started from the admin API. The reason is the staff member's free
 * text, kept sealed under their key: opened (or "[erased]") when answered.
 */
export class RebuildQueries {
  constructor(
    private readonly knex: Knex,
    private readonly keys: DataKeys,
  ) {}

  private async openReasons(rows: RebuildRow[]): Promise<RebuildRow[]> {
    const reasons = await openValues(
      rows.map((row) => row.reason),
      this.keys,
    );
    return rows.map((row, index) => ({ ...row, reason: reasons[index]! }));
  }

  /** The newest rebuild of each projection that had one. */
  async latest(): Promise<Map<string, RebuildRow>> {
    const rows = await this.knex<RebuildRow>('projection_rebuilds')
      .distinctOn('projection')
      .orderBy([{ column: 'projection' }, { column: 'started_at', order: 'desc' }]);
    return new Map((await this.openReasons(rows)).map((row) => [row.projection, row]));
  }

  /** The rebuilds of one projection, newest first. */
  async ofProjection(projection: string, limit: number): Promise<RebuildRow[]> {
    const rows = await this.knex<RebuildRow>('projection_rebuilds')
      .where({ projection })
      .orderBy('started_at', 'desc')
      .limit(limit);
    return this.openReasons(rows);
  }

  /** Rebuilds recorded as running (a caller holding the projection's rebuild lease knows their node died). */
  async unfinished(projection: string): Promise<RebuildRow[]> {
    return this.knex<RebuildRow>('projection_rebuilds').where({ projection, state: 'running' });
  }
}
