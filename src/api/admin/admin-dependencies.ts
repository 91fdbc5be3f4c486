import type { StaffCommands } from '../../commands/accounts/staff-commands.ts';
import type { WriteResult } from '../../commands/write-result.ts';
import type { AdminAuditQueries } from '../../projections/queries/admin-audit-queries.ts';
import type { AdminQueries } from '../../projections/queries/admin-queries.ts';

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
}

/** What `audit export` would write for this scope and time range: one JSON line per event, oldest first. */
export type AuditExportScope = { kind: 'all' } | { kind: 'home' | 'user' | 'gateway'; id: string };

/** The admin API's side of the process: staff actions, cross-home reads, and the live feeds. */
export interface AdminDependencies {
  staff: StaffCommands;
  views: AdminQueries;
  auditViews: AdminAuditQueries;
  projections(): Promise<ProjectionView[]>;
  auditExport(
    scope: AuditExportScope,
    range: { from?: Date | undefined; to?: Date | undefined },
  ): AsyncIterable<string>;
  /**
   * Calls `onChange` when something the fleet overview counts may have changed (sessions, gateways, homes,
   * commands), fed by the event store from any node; `onEnd` when the server shuts down (a live feed must not hold
   * it open). Returns the unsubscribe.
   */
  watchFleet(onChange: (change: WriteResult) => void, onEnd: () => void): () => void;
  /** A deactivation this node wrote: its tokens are refused here at once (other nodes follow the log). */
  noteAccountChange(event: { type: string; data: unknown }): void;
  settle(write: WriteResult): Promise<boolean>;
}
