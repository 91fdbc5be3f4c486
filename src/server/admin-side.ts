import { toAuditRecord } from '../audit/audit-record.ts';
import { scopedEvents } from '../audit/audit-scope.ts';
import type { AdminDependencies } from '../api/admin/admin-dependencies.ts';
import type { TokenService } from '../api/auth/token-service.ts';
import { AccountAccess } from '../commands/accounts/account-access.ts';
import type { WriteResult } from '../commands/write-result.ts';
import { follow } from '../eventstore/follow.ts';
import type { EventStore } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { allProjections } from '../projections/all-projections.ts';
import { projectionStatus } from '../projections/projection-status.ts';
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

export interface AdminSide {
  admin: AdminDependencies;
  stop(): void;
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
  settle(write: WriteResult): Promise<boolean>;
}): Promise<AdminSide> {
  const { logger, stores, writes, tokens } = options;
  const store = stores.eventStore;
  const knex = stores.readModels.knex;
  const access = new AccountAccess(store, logger);
  await access.start();
  tokens.refuseUsers((userId) => access.isDeactivated(userId));
  const fleet = await watchFleetChanges(store, logger);
  const admin: AdminDependencies = {
    staff: writes.staff,
    views: new AdminQueries(knex, stores.dataKeys),
    auditViews: new AdminAuditQueries(knex, stores.dataKeys),
    projections: () => Promise.all(allProjections.map((projection) => projectionStatus(store, knex, projection))),
    // As `audit export`: the events as stored (personal values sealed), which is what the hash chains cover.
    auditExport: (scope, range) => exportLines(stores.sealedEventStore, scope, range),
    watchFleet: fleet.watch,
    noteAccountChange: (event) => access.note(event),
    settle: options.settle,
  };
  return {
    admin,
    stop: () => {
      access.stop();
      fleet.stop();
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

interface FleetListener {
  onChange(write: WriteResult): void;
  onEnd(): void;
}

async function watchFleetChanges(store: EventStore, logger: Logger) {
  const listeners = new Set<FleetListener>();
  const following = follow(
    store,
    { eventTypes: FLEET_EVENTS },
    await store.headPosition(),
    (event) => {
      const write = { position: event.position, eventTypes: [event.type] };
      for (const listener of listeners) listener.onChange(write);
    },
    { name: 'admin-fleet-overview', logger },
  );
  const watch = (onChange: FleetListener['onChange'], onEnd: FleetListener['onEnd']) => {
    const listener = { onChange, onEnd };
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
