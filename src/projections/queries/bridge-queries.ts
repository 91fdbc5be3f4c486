import type { Knex } from 'knex';
import { pageBy, pageOfRows, type Page, type PageRequest } from './keyset-page.ts';

export interface SessionRow {
  session_id: string;
  started_at: Date;
  ended_at: Date | null;
  close_reason: string | null;
  remote_address: string | null;
  frames_in: number;
  frames_out: number;
}

export interface PresenceRow {
  gateway_id: string;
  online: boolean;
  last_seen: Date;
}

/** Reads of what the bridge recorded. */
export class BridgeQueries {
  constructor(private readonly knex: Knex) {}

  /** A page of the gateway's sessions, newest first, and how many it has had in all. */
  async sessions(gatewayId: string, page: PageRequest): Promise<Page<SessionRow> & { total: number }> {
    const [rows, count] = await Promise.all([
      pageBy(
        this.knex,
        this.knex('bridge_sessions')
          .select('session_id', 'started_at', 'ended_at', 'close_reason', 'remote_address', 'frames_in', 'frames_out')
          .where({ gateway_id: gatewayId }),
        { at: 'bridge_sessions.started_at', id: 'bridge_sessions.session_id', order: 'desc' },
        page,
      ),
      this.knex('bridge_sessions')
        .where({ gateway_id: gatewayId })
        .count<{ count: string | number }[]>('* as count')
        .first(),
    ]);
    return { ...pageOfRows<SessionRow>(rows, page, (row) => row.session_id), total: Number(count?.count ?? 0) };
  }

  /** Sessions this node left open (it crashed or was killed): closed at start-up with `server_restart`. */
  async openSessionsOfNode(
    nodeId: string,
  ): Promise<Array<{ session_id: string; gateway_id: string; home_id: string; started_at: Date }>> {
    return this.knex('bridge_sessions')
      .select('session_id', 'gateway_id', 'home_id', 'started_at')
      .where({ node_id: nodeId })
      .whereNull('ended_at');
  }

  async presence(gatewayIds: readonly string[]): Promise<Map<string, PresenceRow>> {
    if (gatewayIds.length === 0) return new Map();
    const rows = await this.knex<PresenceRow>('gateway_presence').whereIn('gateway_id', [...gatewayIds]);
    return new Map(rows.map((row) => [row.gateway_id, row]));
  }

  /** The gateway's presence with the start of its latest session (the app's status call); null before any session. */
  async currentSession(
    gatewayId: string,
  ): Promise<(PresenceRow & { session_id: string | null; started_at: Date | null }) | null> {
    const row = await this.knex('gateway_presence as p')
      .leftJoin('bridge_sessions as s', 's.session_id', 'p.session_id')
      .where('p.gateway_id', gatewayId)
      .first('p.gateway_id', 'p.online', 'p.last_seen', 'p.session_id', 's.started_at');
    return row ?? null;
  }

  async deviceStates(gatewayId: string): Promise<Array<{ device_id: string; state: unknown; reported_at: Date }>> {
    return this.knex('device_states')
      .select('device_id', 'state', 'reported_at')
      .where({ gateway_id: gatewayId })
      .orderBy('device_id');
  }

  async homeMetadata(homeId: string): Promise<{ gateway_id: string; metadata: unknown; synced_at: Date } | null> {
    return (
      (await this.knex('home_metadata')
        .select('gateway_id', 'metadata', 'synced_at')
        .where({ home_id: homeId })
        .first()) ?? null
    );
  }
}
