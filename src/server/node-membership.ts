import { setTimeout as delay } from 'node:timers/promises';
import { closeLeftoverSessions, closeOrphanedSessions } from '../bridge/close-orphaned-sessions.ts';
import type { GatewayBridge } from '../bridge/gateway-bridge.ts';
import { LostNodeReaper } from '../bridge/lost-node-reaper.ts';
import { NodeLiveness } from '../bridge/node-liveness.ts';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import type { Logger } from '../logger.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';
import { NodeLeases } from '../projections/queries/node-leases.ts';
import type { Stores } from '../stores.ts';

const SESSION_EVENT_TYPES = ['BridgeSessionOpened', 'BridgeSessionClosed'];

export interface NodeMembershipParts {
  nodeId: string;
  /** HEARTBEAT_TIMEOUT_S: a lost node's sessions are closed within it. */
  heartbeatTimeoutS: number;
  stores: Stores;
  projections: ProjectionSet;
  recorder: TelemetryRecorder;
  bridgeViews: BridgeQueries;
  logger: Logger;
}

/**
 * The timings, all from HEARTBEAT_TIMEOUT_S (the promise: a lost node's gateways are offline within it). The
 * lease holds for half of it and is renewed every sixth; every node looks for lost nodes every sixth. So a node
 * killed right after a renewal is closed after at most lease + one look ≈ 2/3 of the timeout, plus the closing.
 */
export function membershipTimings(heartbeatTimeoutS: number): {
  leaseMs: number;
  reapEveryMs: number;
  claimMs: number;
} {
  const leaseMs = Math.round((heartbeatTimeoutS * 1000) / 2);
  return { leaseMs, reapEveryMs: Math.max(50, Math.round(leaseMs / 3)), claimMs: Math.max(leaseMs, 10_000) };
}

/**
 * This node's membership of the cluster: its lease (liveness), the reaper that closes lost nodes' sessions, and
 * the start-up clean-up of what this node id's previous run left open — which runs under the node's own lease
 * row, so no reaper closes the same sessions at the same time.
 */
export class NodeMembership {
  readonly liveness: NodeLiveness;
  private readonly leases: NodeLeases;
  private readonly reaper: LostNodeReaper;
  private stopped = false;

  constructor(private readonly parts: NodeMembershipParts) {
    const timings = membershipTimings(parts.heartbeatTimeoutS);
    this.leases = new NodeLeases(parts.stores.readModels.knex);
    this.liveness = new NodeLiveness({
      nodeId: parts.nodeId,
      leases: this.leases,
      leaseMs: timings.leaseMs,
      logger: parts.logger,
    });
    this.reaper = new LostNodeReaper({
      nodeId: parts.nodeId,
      incarnation: () => this.liveness.incarnation,
      leases: this.leases,
      intervalMs: timings.reapEveryMs,
      claimMs: timings.claimMs,
      caughtUp: async () => {
        // Closing from a read model that lags could close a session twice: without it, the claim lapses.
        if (!(await this.sessionsCaughtUp(Math.round(timings.claimMs / 3))))
          throw new Error('the bridge sessions read model did not catch up in time');
      },
      closeSessionsOf: (lostNodeId) =>
        closeLeftoverSessions(
          { ownerNodeId: lostNodeId, closerNodeId: parts.nodeId, reason: 'node_lost' },
          parts.bridgeViews,
          parts.recorder,
          parts.logger,
        ),
      logger: parts.logger,
    });
  }

  /**
   * Registers this node (before it accepts a gateway), then closes what its previous run left open
   * (`server_restart`) and adopts nodes that have open sessions but no lease (left by a version without leases).
   */
  async join(): Promise<void> {
    await this.liveness.register();
    if (await this.sessionsCaughtUp(30_000)) {
      const adopted = await this.leases.adoptNodesWithoutLease();
      if (adopted > 0)
        this.parts.logger.info({ count: adopted }, 'nodes with open sessions and no lease: closing them');
    }
    await closeOrphanedSessions(this.parts.nodeId, this.parts.bridgeViews, this.parts.recorder, this.parts.logger);
  }

  /** Starts looking for lost nodes, and has the bridge drop its sessions and join again if this node is lost. */
  startWatching(bridge: GatewayBridge): void {
    this.liveness.onLost(() => {
      bridge.abandonAll();
      void this.rejoin(bridge);
    });
    this.reaper.start();
  }

  /** Stops looking for lost nodes (first, at shutdown: this node's own sessions are still being closed). */
  stopReaping(): Promise<void> {
    return this.reaper.stop();
  }

  /** After the sessions were closed: the lease is released, so nobody takes this node for lost. */
  async leave(): Promise<void> {
    this.stopped = true;
    await this.reaper.stop();
    await this.liveness.stop();
  }

  /** Registers again under a new incarnation (retrying while the database fails), then accepts gateways again. */
  private async rejoin(bridge: GatewayBridge): Promise<void> {
    while (!this.stopped) {
      try {
        await this.join();
        bridge.resumeAccepting();
        this.parts.logger.warn({ node_id: this.parts.nodeId }, 'registered again after being declared lost');
        return;
      } catch (error) {
        this.parts.logger.error({ err: error }, 'could not register again after being declared lost; retrying');
        await delay(this.liveness.renewEveryMs);
      }
    }
  }

  /** Whether the sessions read model applied the log up to its head as of now, within `timeoutMs`. */
  private async sessionsCaughtUp(timeoutMs: number): Promise<boolean> {
    const head = await this.parts.stores.eventStore.headPosition();
    return this.parts.projections.waitFor(head, SESSION_EVENT_TYPES, timeoutMs);
  }
}
