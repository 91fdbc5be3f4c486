import type { Knex } from 'knex';
import { pageBy, pageOfRows, type Page, type PageRequest } from './keyset-page.ts';

export interface RemoteCommandRow {
  id: string;
  gateway_id: string;
  home_id: string;
  status: string;
  device_id: string;
  action: string;
  params: Record<string, unknown>;
  issued_by: string;
  issued_at: Date;
  timeout_s: number;
  ttl_s: number;
  expires_at: Date | null;
  dispatched_at: Date | null;
  attempts: number;
  completed_at: Date | null;
  result: unknown;
  error: { code: string; message: string } | null;
  late_acks: number;
}

const parseJson = (value: unknown) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value);

function normalise(row: RemoteCommandRow): RemoteCommandRow {
  return {
    ...row,
    params: parseJson(row.params) as Record<string, unknown>,
    result: parseJson(row.result),
    error: parseJson(row.error) as RemoteCommandRow['error'],
  };
}

/** Reads of the `remote_commands` read model. */
export class RemoteCommandQueries {
  constructor(private readonly knex: Knex) {}

  /** A page of the gateway's commands, newest first, and how many it has in all. */
  async recentOfGateway(gatewayId: string, page: PageRequest): Promise<Page<RemoteCommandRow> & { total: number }> {
    const [rows, count] = await Promise.all([
      pageBy(
        this.knex,
        this.knex('remote_commands').select('remote_commands.*').where({ gateway_id: gatewayId }),
        { at: 'remote_commands.issued_at', id: 'remote_commands.id', order: 'desc' },
        page,
      ),
      this.knex('remote_commands')
        .where({ gateway_id: gatewayId })
        .count<{ count: string | number }[]>('* as count')
        .first(),
    ]);
    const { items, next } = pageOfRows<RemoteCommandRow>(rows, page, (row) => row.id);
    return { items: items.map(normalise), next, total: Number(count?.count ?? 0) };
  }

  /** Commands waiting for this gateway (never sent, or sent on a session that ended unacked), oldest first. */
  async pendingForGateway(gatewayId: string): Promise<Array<{ id: string; status: string }>> {
    return this.knex('remote_commands')
      .select('id', 'status')
      .where({ gateway_id: gatewayId })
      .whereIn('status', ['issued', 'dispatched'])
      .orderBy([{ column: 'issued_at' }, { column: 'id' }]);
  }

  /** Every unfinished command (issued or dispatched) of every gateway, oldest first: the relay's view at start-up. */
  async unfinished(): Promise<Array<{ id: string; gatewayId: string }>> {
    const rows: Array<{ id: string; gateway_id: string }> = await this.knex('remote_commands')
      .select('id', 'gateway_id')
      .whereIn('status', ['issued', 'dispatched'])
      .orderBy([{ column: 'issued_at' }, { column: 'id' }]);
    return rows.map((row) => ({ id: row.id, gatewayId: row.gateway_id }));
  }

  /** How many commands are queued for an offline gateway (never sent, with a time to live). */
  async queuedCount(gatewayId: string): Promise<number> {
    const row = await this.knex('remote_commands')
      .where({ gateway_id: gatewayId, status: 'issued' })
      .whereNotNull('expires_at')
      .count<{ count: string | number }[]>('* as count')
      .first();
    return Number(row?.count ?? 0);
  }

  /** Unfinished commands whose deadline has passed (expiry or ack timeout). */
  async overdue(now: Date, limit = 500): Promise<string[]> {
    const rows = await this.knex('remote_commands')
      .select('id')
      .whereIn('status', ['issued', 'dispatched'])
      .where('deadline_at', '<=', now)
      .orderBy('deadline_at')
      .limit(limit);
    return rows.map((row: { id: string }) => row.id);
  }
}
