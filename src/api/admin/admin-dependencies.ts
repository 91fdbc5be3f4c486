import type { StaffCommands } from '../../commands/accounts/staff-commands.ts';
import type { WriteResult } from '../../commands/write-result.ts';
import type { AdminAuditQueries } from '../../projections/queries/admin-audit-queries.ts';
import type { AdminQueries } from '../../projections/queries/admin-queries.ts';
import type { NodeLeaseRow } from '../../projections/queries/node-leases.ts';
import type { RebuildRow } from '../../projections/queries/rebuild-queries.ts';
import type { TokenFamilyQueries } from '../../projections/queries/token-family-queries.ts';
import type { CommandContext } from '../../commands/metadata.ts';

/** One projection as staff see it (from src/projections/projection-status.ts, wired in src/server). */
export interface ProjectionView {
  name: string;
  version: number;
  tablesVersion: number | null;
  checkpoint: string | null;
  lagEvents: number;
  lagCapped: boolean;
  lagSeconds: number;
  state: string;
  rejected: { count: number };
  /** The node holding the projection's worker lease (applying it), null when none does now. */
  appliedBy: string | null;
  /** Its newest rebuild started from the admin API; `leaseHeld`: a node is working on it now. */
  rebuild: (RebuildRow & { leaseHeld: boolean }) | null;
}

/** A rebuild's event as the live feed passes it on (`event: rebuild` on the overview stream). */
export interface RebuildFeedEvent {
  type: string;
  data: { rebuild_id: string; projection: string; done?: number; total?: number | null };
  at: string;
}

/** What `audit export` would write for this scope and time range: one JSON line per event, oldest first. */
export type AuditExportScope = { kind: 'all' } | { kind: 'home' | 'user' | 'gateway'; id: string };

/** The admin API's side of the process: staff actions, cross-home reads, and the live feeds. */
export interface AdminDependencies {
  staff: StaffCommands;
  views: AdminQueries;
  auditViews: AdminAuditQueries;
  tokenFamilies: TokenFamilyQueries;
  projections(): Promise<ProjectionView[]>;
  /** One projection with its recent rebuilds, or null when there is no such projection. */
  projection(name: string): Promise<{ view: ProjectionView; rebuilds: RebuildRow[] } | null>;
  /** Starts a blue/green rebuild in the background (DomainError 404 unknown, 409 one runs already). */
  startRebuild(
    staffId: string,
    name: string,
    reason: string,
    context: CommandContext,
  ): Promise<{ rebuildId: string; write: WriteResult }>;
  /** The bridge nodes' leases (`bridge_node_leases`). */
  nodes(): Promise<NodeLeaseRow[]>;
  auditExport(
    scope: AuditExportScope,
    range: { from?: Date | undefined; to?: Date | undefined },
  ): AsyncIterable<string>;
  /**
   * Calls `onChange` when something the fleet overview counts may have changed (sessions, gateways, homes,
   * commands), fed by the event store from any node; `onEnd` when the server shuts down (a live feed must not hold
   * it open). Returns the unsubscribe.
   */
  watchFleet(
    onChange: (change: WriteResult) => void,
    onEnd: () => void,
    onRebuild?: (event: RebuildFeedEvent) => void,
  ): () => void;
  /** A deactivation this node wrote: its tokens are refused here at once (other nodes follow the log). */
  noteAccountChange(event: { type: string; data: unknown }): void;
  settle(write: WriteResult): Promise<boolean>;
}
