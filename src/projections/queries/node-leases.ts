import type { Knex } from 'knex';

export const NODE_LEASES_TABLE = 'bridge_node_leases';

/**
 * One row per live node (`NODE_ID`), in the read-model database every node shares: the node's current run
 * (`incarnation`) and until when its lease holds (`expires_at`, by the database's clock, so nodes' clocks never
 * disagree about it). A node whose lease ran out is claimed by one other node (`reaper`, until `reaper_until`),
 * which closes its sessions and deletes the row. Not a read model: nothing in it comes from the log, and losing it
 * costs only a lease period (the nodes register again).
 */
export async function createNodeLeasesTable(knex: Knex): Promise<void> {
  await knex.schema.createTable(NODE_LEASES_TABLE, (t) => {
    t.text('node_id').primary();
    t.text('incarnation').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.text('reaper');
    t.timestamp('reaper_until', { useTz: true });
    t.timestamp('registered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export interface NodeLeaseRow {
  node_id: string;
  expires_at: Date | string;
  registered_at: Date | string;
  reaper: string | null;
  reaper_until: Date | string | null;
  live: boolean;
}

/** Rows returned by a `returning` clause, from pg (`{rows}`) and from PGlite through knex-pglite alike. */
function rowsOf<Row>(result: unknown): Row[] {
  return ((result as { rows?: Row[] }).rows ?? []) as Row[];
}

/**
 * The statements behind node liveness. Every decision is one conditional statement, so two nodes racing for the
 * same row (two reapers, or a reaper and the node restarting) cannot both win: Postgres re-checks the condition
 * on the row version the first one committed.
 */
export class NodeLeases {
  constructor(private readonly knex: Knex) {}

  /**
   * Takes (or takes back) the row of `nodeId` for this run. Refused (false) while another node is closing the
   * sessions of a previous run under its claim: the caller waits until the claim is done or lapses.
   */
  async register(nodeId: string, incarnation: string, leaseMs: number): Promise<boolean> {
    const result = await this.knex.raw(
      `insert into ${NODE_LEASES_TABLE} (node_id, incarnation, expires_at)
       values (?, ?, now() + ? * interval '1 millisecond')
       on conflict (node_id) do update
         set incarnation = excluded.incarnation, expires_at = excluded.expires_at, reaper = null,
             reaper_until = null, registered_at = now()
         where ${NODE_LEASES_TABLE}.reaper is null or ${NODE_LEASES_TABLE}.reaper_until < now()
       returning node_id`,
      [nodeId, incarnation, leaseMs],
    );
    return rowsOf(result).length === 1;
  }

  /** Every node's row for staff: whether its lease holds now (by the database's clock) and who reaps it. */
  async list(): Promise<NodeLeaseRow[]> {
    const result = await this.knex.raw(
      `select node_id, expires_at, registered_at, reaper, reaper_until, expires_at > now() as live
         from ${NODE_LEASES_TABLE} order by node_id limit 1000`,
    );
    return rowsOf<NodeLeaseRow>(result);
  }

  /** Extends this run's lease; false when the row is no longer this run's, or another node claimed it as lost. */
  async renew(nodeId: string, incarnation: string, leaseMs: number): Promise<boolean> {
    const result = await this.knex.raw(
      `update ${NODE_LEASES_TABLE} set expires_at = now() + ? * interval '1 millisecond'
       where node_id = ? and incarnation = ? and reaper is null
       returning node_id`,
      [leaseMs, nodeId, incarnation],
    );
    return rowsOf(result).length === 1;
  }

  /** A clean stop: the row goes (only this run's: a newer run of the same NODE_ID keeps its own). */
  async release(nodeId: string, incarnation: string): Promise<void> {
    await this.knex(NODE_LEASES_TABLE).where({ node_id: nodeId, incarnation, reaper: null }).delete();
  }

  /**
   * Claims every other node whose lease ran out (or whose previous reaper's claim lapsed) for `reaper`, for
   * `claimMs`. Each row goes to one claimant only.
   */
  async claimLost(selfNodeId: string, reaper: string, claimMs: number): Promise<string[]> {
    const result = await this.knex.raw(
      `update ${NODE_LEASES_TABLE} set reaper = ?, reaper_until = now() + ? * interval '1 millisecond'
       where node_id <> ? and expires_at < now() and (reaper is null or reaper_until < now())
       returning node_id`,
      [reaper, claimMs, selfNodeId],
    );
    return rowsOf<{ node_id: string }>(result).map((row) => row.node_id);
  }

  /** The claimed node's sessions are closed: its row goes (only if the claim is still this reaper's). */
  async finishReaping(nodeId: string, reaper: string): Promise<void> {
    await this.knex(NODE_LEASES_TABLE).where({ node_id: nodeId, reaper }).delete();
  }

  /**
   * Nodes with sessions still open in the read model that have no row — left by a version without leases, or by a
   * run whose row was lost — get a row that has already expired, so the next claim closes their sessions. A node
   * registers before it accepts a gateway, so a live node always has its row before its first session is in the
   * log; a node that released its row after closing its sessions is only claimed again, and finds nothing open.
   */
  async adoptNodesWithoutLease(): Promise<number> {
    const result = await this.knex.raw(
      `insert into ${NODE_LEASES_TABLE} (node_id, incarnation, expires_at)
       select distinct s.node_id, 'unknown', now() - interval '1 second' from bridge_sessions s
       where s.ended_at is null
         and not exists (select 1 from ${NODE_LEASES_TABLE} l where l.node_id = s.node_id)
       on conflict (node_id) do nothing
       returning node_id`,
    );
    return rowsOf(result).length;
  }
}
