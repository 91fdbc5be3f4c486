import { toAuditRecord } from '../audit/audit-record.ts';
import { scopedEvents } from '../audit/audit-scope.ts';
import type { AdminDependencies, ProjectionView, RebuildFeedEvent } from '../api/admin/admin-dependencies.ts';
import type { TokenService } from '../api/auth/token-service.ts';
import { AccountAccess } from '../commands/accounts/account-access.ts';
import type { WriteResult } from '../commands/write-result.ts';
import { follow } from '../eventstore/follow.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { allProjections } from '../projections/all-projections.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import { projectionStatus } from '../projections/projection-status.ts';
import { TokenFamilyQueries } from '../projections/queries/token-family-queries.ts';
import { NodeLeases } from '../projections/queries/node-leases.ts';
import { projectionWorkerHolders } from '../projections/worker-holders.ts';
import { projectionRebuildEventSchemas } from '../domain/projections/projection-rebuild-events.ts';
import { AdminRebuilds } from './admin-rebuilds.ts';
import { AdminAuditQueries } from '../projections/queries/admin-audit-queries.ts';
import { AdminQueries } from '../projections/queries/admin-queries.ts';
import type { Stores } from '../stores.ts';
import type { WriteSide } from './write-side.ts';

/** What the fleet overview counts: a change to any of these may change a number on it. */
const FLEET_EVENTS = [
  'BridgeSessionOpened',
  'BridgeSessionClosed',
  'GatewayProvisioned',
  'GatewayRevoked',
  'GatewayDeleted',
  'HomeCreated',
  'RemoteCommandIssued',
];

const REBUILD_EVENTS = Object.keys(projectionRebuildEventSchemas);
const REBUILDS_SHOWN = 10;

export interface AdminSide {
  admin: AdminDependencies;
  stop(): Promise<void>;
}

/**
 * The admin API's wiring: the deactivated-accounts set (read whole before the API listens; access tokens of those
 * users are refused from then on), one event-store follower per process for the live fleet overview (from the
 * head at start), the cross-home queries, projection status and the audit export.
 */
export async function startAdminSide(options: {
  logger: Logger;
  stores: Stores;
  writes: WriteSide;
  tokens: TokenService;
  config: Config;
  nodeId: string;
  projections: ProjectionSet;
  settle(write: WriteResult): Promise<boolean>;
}): Promise<AdminSide> {
  const { logger, stores, writes, tokens, nodeId } = options;
  const store = stores.eventStore;
  const knex = stores.readModels.knex;
  const access = new AccountAccess(store, logger);
  await access.start();
  tokens.refuseUsers((userId) => access.isDeactivated(userId));
  const fleet = await watchFleetChanges(store, logger);
  const rebuilds = new AdminRebuilds({
    store,
    readModels: stores.readModels,
    dataKeys: stores.dataKeys,
    projections: allProjections,
    records: writes.rebuildRecords,
    staff: writes.staff,
    nodeId,
    logger,
    settle: options.settle,
    progressIntervalMs: options.config.REBUILD_PROGRESS_INTERVAL_MS,
    batchSize: options.config.REBUILD_PAGE_SIZE,
  });
  const views = projectionViews(stores, rebuilds, { nodeId, applies: (name) => options.projections.applies(name) });
  const admin: AdminDependencies = {
    staff: writes.staff,
    views: new AdminQueries(knex, stores.dataKeys),
    auditViews: new AdminAuditQueries(knex, stores.dataKeys),
    tokenFamilies: new TokenFamilyQueries(knex, stores.dataKeys),
    projections: views.all,
    projection: async (name) => {
      const view = (await views.all()).find((p) => p.name === name);
      return view ? { view, rebuilds: await rebuilds.views.ofProjection(name, REBUILDS_SHOWN) } : null;
    },
    startRebuild: (staffId, name, reason, context) => rebuilds.start(staffId, name, reason, context),
    nodes: () => new NodeLeases(knex).list(),
    // As `audit export`: the events as stored (personal values sealed), which is what the hash chains cover.
    auditExport: (scope, range) => exportLines(stores.sealedEventStore, scope, range),
    watchFleet: fleet.watch,
    noteAccountChange: (event) => access.note(event),
    settle: options.settle,
  };
  return {
    admin,
    stop: async () => {
      access.stop();
      fleet.stop();
      await rebuilds.stop();
    },
  };
}

async function* exportLines(
  store: EventStore,
  scope: Parameters<AdminDependencies['auditExport']>[0],
  range: Parameters<AdminDependencies['auditExport']>[1],
): AsyncGenerator<string> {
  for await (const event of scopedEvents(store, scope, range)) yield `${JSON.stringify(toAuditRecord(event))}\n`;
}

/** Every projection's status, with who applies it and its newest rebuild (and whether that one still runs). */
function projectionViews(
  stores: Stores,
  rebuilds: AdminRebuilds,
  self: { nodeId: string; applies(name: string): boolean },
) {
  const { knex, target } = stores.readModels;
  const names = allProjections.map((projection) => projection.name);
  const all = async (): Promise<ProjectionView[]> => {
    const [statuses, holders, latest, leased] = await Promise.all([
      Promise.all(allProjections.map((projection) => projectionStatus(stores.eventStore, knex, projection))),
      projectionWorkerHolders(knex, target, names, self),
      rebuilds.views.latest(),
      rebuilds.leases.running(names),
    ]);
    return statuses.map((status) => {
      const rebuild = latest.get(status.name);
      return {
        ...status,
        appliedBy: holders.get(status.name) ?? null,
        rebuild: rebuild ? { ...rebuild, leaseHeld: leased.has(status.name) } : null,
      };
    });
  };
  return { all };
}

interface FleetListener {
  onChange(write: WriteResult): void;
  onEnd(): void;
  onRebuild?: ((event: RebuildFeedEvent) => void) | undefined;
}

async function watchFleetChanges(store: EventStore, logger: Logger) {
  const listeners = new Set<FleetListener>();
  const following = follow(
    store,
    { eventTypes: [...FLEET_EVENTS, ...REBUILD_EVENTS] },
    await store.headPosition(),
    (event) => {
      if (REBUILD_EVENTS.includes(event.type)) {
        const rebuild = {
          type: event.type,
          data: event.data as RebuildFeedEvent['data'],
          at: event.created.toISOString(),
        };
        for (const listener of listeners) listener.onRebuild?.(rebuild);
        return;
      }
      const write = { position: event.position, eventTypes: [event.type] };
      for (const listener of listeners) listener.onChange(write);
    },
    { name: 'admin-fleet-overview', logger },
  );
  const watch = (
    onChange: FleetListener['onChange'],
    onEnd: FleetListener['onEnd'],
    onRebuild?: FleetListener['onRebuild'],
  ) => {
    const listener = { onChange, onEnd, onRebuild };
    listeners.add(listener);
    return () => void listeners.delete(listener);
  };
  const stop = () => {
    following.stop();
    for (const listener of [...listeners]) listener.onEnd();
    listeners.clear();
  };
  return { stop, watch };
}
