import { bridgeSessionClosed } from '../commands/bridge/telemetry-events.ts';
import type { TelemetryRecorder } from '../commands/bridge/telemetry-recorder.ts';
import { systemContext } from '../commands/metadata.ts';
import type { Logger } from '../logger.ts';
import type { BridgeQueries } from '../projections/queries/bridge-queries.ts';

/**
 * A process that died (kill -9, a crash) left its sessions open in the log. At start-up, once the sessions
 * read model has caught up, this node closes the ones it owns with `server_restart`.
 */
export async function closeOrphanedSessions(
  nodeId: string,
  queries: BridgeQueries,
  recorder: TelemetryRecorder,
  logger: Logger,
): Promise<number> {
  const orphans = await queries.openSessionsOfNode(nodeId);
  await Promise.all(
    orphans.map((session) =>
      recorder.record(
        bridgeSessionClosed(
          { sessionId: session.session_id, gatewayId: session.gateway_id, homeId: session.home_id },
          // Counters died with the process that kept them.
          {
            reason: 'server_restart',
            startedAtMs: new Date(session.started_at).getTime(),
            endedAtMs: Date.now(),
            framesIn: 0,
            framesOut: 0,
          },
        ),
        // The restart closes the session: correlated with (and caused by) the session it ends.
        systemContext('bridge-restart', { nodeId, correlationId: session.session_id }),
      ),
    ),
  );
  if (orphans.length > 0)
    logger.info({ count: orphans.length, node_id: nodeId }, 'closed sessions left open by a previous run');
  return orphans.length;
}
