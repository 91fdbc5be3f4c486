import type { ApiDependencies } from '../api/api-dependencies.ts';
import type { TokenService } from '../api/auth/token-service.ts';
import type { CommandRelay } from '../bridge/command-relay.ts';
import { DeviceInventoryRequests } from '../commands/bridge/device-inventory-requests.ts';
import type { WriteResult } from '../commands/write-result.ts';
import type { Config } from '../config.ts';
import type { LimiterBackend } from '../limits/limiter-backend.ts';
import type { Logger } from '../logger.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import { AuditQueries } from '../projections/queries/audit-queries.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';
import type { DeviceQueries } from '../projections/queries/device-queries.ts';
import type { MembershipQueries } from '../projections/queries/membership-queries.ts';
import { RemoteCommandQueries } from '../projections/queries/remote-command-queries.ts';
import { UserQueries } from '../projections/queries/user-queries.ts';
import type { ProjectionLagSnapshot } from '../projections/projection-lag-sampler.ts';
import { auditIndexProjection } from '../projections/read-models/audit-index-projection.ts';
import type { Stores } from '../stores.ts';
import {
  CatchingUpGatewayQueries,
  GATEWAY_LOOKUP_EVENT_TYPES,
  GATEWAY_LOOKUP_PROJECTIONS,
} from './catching-up-gateway-queries.ts';
import { GatewayLookupCatchUp } from './gateway-lookup-catch-up.ts';
import { LatestOwnWrite } from './latest-own-write.ts';
import type { WriteSide } from './write-side.ts';

export interface ApiWiring {
  config: Config;
  logger: Logger;
  stores: Stores;
  projections: ProjectionSet;
  writes: WriteSide;
  relay: CommandRelay;
  tokens: TokenService;
  memberships: MembershipQueries;
  bridgeViews: BridgeQueries;
  deviceViews: DeviceQueries;
  limits: LimiterBackend;
  /** The projection lag sampler's last sample (which read models are behind which head). */
  lagSamples: { latest(): ProjectionLagSnapshot | null };
}

/** What the REST side is handed: the use cases, the queries, the limits, and how a write waits for its reads. */
export function apiDependencies(wiring: ApiWiring): ApiDependencies {
  const { config, stores, writes, relay, memberships } = wiring;
  const knex = stores.readModels.knex;
  // This process's latest gateway or membership write: a gateway lookup that misses waits only for what it knows.
  const gatewayWrites = new LatestOwnWrite(GATEWAY_LOOKUP_EVENT_TYPES);
  return {
    accounts: writes.accounts,
    accountDeletion: writes.accountDeletion,
    homeDeletion: writes.homeDeletion,
    homes: writes.homes,
    gateways: writes.gateways,
    pairing: writes.pairing,
    users: new UserQueries(knex),
    memberships,
    gatewayViews: new CatchingUpGatewayQueries(knex, gatewayLookupCatchUpFor(wiring, gatewayWrites)),
    bridgeViews: wiring.bridgeViews,
    tokens: wiring.tokens,
    homeIdsOf: (userId) => memberships.homeIdsOf(userId),
    settle: settleFor(wiring, gatewayWrites),
    ...attemptLimiters(wiring),
    remoteCommands: writes.remoteCommands,
    remoteCommandViews: new RemoteCommandQueries(knex),
    commandOutcomes: writes.commandOutcomes,
    gatewayLink: {
      isLocal: (gatewayId) => relay.isLocal(gatewayId),
      dispatchIfLocal: (known) => relay.dispatchIfLocal(known),
      issueHere: (gatewayId, commandId, issue) => relay.issueHere(gatewayId, commandId, issue),
    },
    remoteControl: { queueLimit: config.REMOTE_COMMAND_QUEUE_LIMIT },
    deviceInventory: new DeviceInventoryRequests(writes.homes, writes.recorder),
    auditViews: new AuditQueries(knex, wiring.stores.dataKeys),
    auditSettled: auditSettledFor(wiring),
    devices: wiring.deviceViews,
    fieldApp: { heartbeatTimeoutS: config.HEARTBEAT_TIMEOUT_S },
  };
}

/** Multiples of LOGIN_RATE_LIMIT for the wider keys (README "Limits"). */
const PER_ADDRESS_FACTOR = 5;
const PER_ACCOUNT_FACTOR = 10;

/**
 * Login and change-password count failures per (account, address) at LOGIN_RATE_LIMIT, so nobody locks a stranger
 * out from their own address; per address at 5× (one address guessing many accounts); and per account from every
 * address at 10× (distributed guessing). Pairing counts failures per address.
 */
function attemptLimiters({ config, limits }: ApiWiring) {
  const window = config.LOGIN_RATE_WINDOW_S;
  const limit = config.LOGIN_RATE_LIMIT;
  return {
    loginLimiter: {
      byEmailAndAddress: limits.limiter('login:email-address', limit, window),
      byAddress: limits.limiter('login:address', limit * PER_ADDRESS_FACTOR, window),
      byEmail: limits.limiter('login:email', limit * PER_ACCOUNT_FACTOR, window),
    },
    passwordChangeLimiter: {
      byUserAndAddress: limits.limiter('password:user-address', limit, window),
      byAddress: limits.limiter('password:address', limit * PER_ADDRESS_FACTOR, window),
      byUser: limits.limiter('password:user', limit * PER_ACCOUNT_FACTOR, window),
    },
    pairingLimiter: limits.limiter('pairing:address', config.PAIRING_RATE_LIMIT, config.PAIRING_RATE_WINDOW_S),
  };
}

/**
 * Read-your-writes: a write answers once the read models that handle its events have caught up (bounded). Every
 * write answered here passes through it, so it is also where this process notes its own latest gateway lookup write.
 */
function settleFor({ projections, config, logger }: ApiWiring, gatewayWrites: LatestOwnWrite) {
  return async (write: WriteResult) => {
    gatewayWrites.note(write);
    const ok = await projections.waitFor(write.position, write.eventTypes, config.READ_YOUR_WRITES_TIMEOUT_MS);
    if (!ok) logger.warn({ position: write.position }, 'read models did not catch up in time; answering anyway');
    return ok;
  };
}

/**
 * A gateway lookup that missed waits for the read models it joins only when a write known here may be missing from
 * them: this process's own latest such write, or the head the lag sampler last saw them behind.
 */
function gatewayLookupCatchUpFor({ projections, config, lagSamples }: ApiWiring, gatewayWrites: LatestOwnWrite) {
  const names: readonly string[] = GATEWAY_LOOKUP_PROJECTIONS.map((projection) => projection.name);
  const catchUp = new GatewayLookupCatchUp({
    ownLatestWrite: () => gatewayWrites.latest,
    sampledLagHead: () => {
      const sample = lagSamples.latest();
      if (!sample?.projections.some((lag) => names.includes(lag.name) && lag.lagEvents > 0)) return null;
      return sample.head;
    },
    reach: async (position) => {
      const timeoutMs = config.READ_YOUR_WRITES_TIMEOUT_MS;
      const reached = await Promise.all(names.map((name) => projections.waitForProjection(name, position, timeoutMs)));
      return reached.every(Boolean);
    },
  });
  return () => catchUp.caughtUp();
}

/** The audit history waits for the head of the log seen at request time (it does not hold up writes). */
function auditSettledFor({ projections, config, logger }: ApiWiring) {
  return async () => {
    const ok = await projections.waitForHead(auditIndexProjection.name, config.READ_YOUR_WRITES_TIMEOUT_MS);
    if (!ok) logger.warn('audit read model did not catch up in time; answering anyway');
  };
}
