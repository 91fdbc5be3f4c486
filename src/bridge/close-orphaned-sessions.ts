import { bridgeSessionClosed } from '../commands/bridge/telemetry-events.ts';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import { systemContext } from '../commands/metadata.ts';
import type { Logger } from '../logger.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';

/** Whose sessions are closed, by whom, and why. */
export interface LeftoverSessions {
  /** The node whose sessions the read model still shows open. */
  ownerNodeId: string;
  /** The node writing the closes (the owner itself after a restart, another node for a lost one). */
  closerNodeId: string;
  reason: 'server_restart' | 'node_lost';
}

/**
 * Closes the sessions a node left open in the log, each with one `BridgeSessionClosed` (through the recorder, so
 * the closes of many gateways share transactions). The caller waits for the sessions read model to catch up with
 * the head first, and makes sure no other node closes the same ones meanwhile (the owner's lease row: see
 * node-liveness.ts and lost-node-reaper.ts).
 */
export async function closeLeftoverSessions(
  leftover: LeftoverSessions,
  queries: BridgeQueries,
  recorder: TelemetryRecorder,
  logger: Logger,
): Promise<number> {
  const orphans = await queries.openSessionsOfNode(leftover.ownerNodeId);
  const why = leftover.reason === 'node_lost' ? 'bridge-node-lost' : 'bridge-restart';
  await Promise.all(
    orphans.map((session) =>
      recorder.record(
        bridgeSessionClosed(
          { sessionId: session.session_id, gatewayId: session.gateway_id, homeId: session.home_id },
          // Counters died with the process that kept them.
          {
            reason: leftover.reason,
            startedAtMs: new Date(session.started_at).getTime(),
            endedAtMs: Date.now(),
            framesIn: 0,
            framesOut: 0,
          },
        ),
        // Correlated with (and caused by) the session it ends.
        systemContext(why, { nodeId: leftover.closerNodeId, correlationId: session.session_id }),
      ),
    ),
  );
  if (orphans.length > 0)
    logger.info(
      { count: orphans.length, node_id: leftover.ownerNodeId, reason: leftover.reason },
      leftover.reason === 'node_lost'
        ? 'closed the sessions of a lost node'
        : 'closed sessions left open by a previous run',
    );
  return orphans.length;
}

/**
 * A process that died (kill -9, a crash) left its sessions open in the log. At start-up, once the sessions
 * read model has caught up, this node closes the ones it owns with `server_restart`.
 */
export function closeOrphanedSessions(
  nodeId: string,
  queries: BridgeQueries,
  recorder: TelemetryRecorder,
  logger: Logger,
): Promise<number> {
  return closeLeftoverSessions(
    { ownerNodeId: nodeId, closerNodeId: nodeId, reason: 'server_restart' },
    queries,
    recorder,
    logger,
  );
}
