import { fold } from '../../domain/decider.ts';
import { remoteCommandDecider, type RemoteCommandState } from '../../domain/remote-control/remote-command.ts';
import type { RemoteCommandEvent } from '../../domain/remote-control/remote-command-events.ts';
import { clientScopedCommandId } from './client-command-id.ts';
import type { RemoteCommands } from './remote-commands.ts';

/** One event of a command's history, as recorded: what happened, when, and the metadata that says who did it. */
export interface CommandHistoryEntry {
  type: string;
  data: Record<string, unknown>;
  revision: number;
  recordedAt: Date;
  metadata: Record<string, unknown>;
}

export interface FoundRemoteCommand {
  state: RemoteCommandState;
  history: CommandHistoryEntry[];
}

/**
 * A command as its stream tells it, for a user of its home: by the id answers carry, or by the id the user chose
 * when issuing (scoped to them). Null when there is no such command or it belongs to a home the user is not in
 * (the two look the same, so ids answer nothing about other homes).
 */
export async function findRemoteCommand(
  commands: RemoteCommands,
  requestedId: string,
  userId: string,
  homeIdsOf: (userId: string) => Promise<string[]>,
): Promise<FoundRemoteCommand | null> {
  let recorded = await commands.history(requestedId);
  if (recorded.length === 0) recorded = await commands.history(clientScopedCommandId(userId, requestedId));
  if (recorded.length === 0) return null;
  const state = fold(
    remoteCommandDecider,
    recorded.map((event) => ({ type: event.type, data: event.data }) as RemoteCommandEvent),
  );
  if (!state.homeId || !(await homeIdsOf(userId)).includes(state.homeId)) return null;
  const history = recorded.map((event) => ({
    type: event.type,
    data: event.data as Record<string, unknown>,
    revision: event.revision,
    recordedAt: event.created,
    metadata: event.metadata as Record<string, unknown>,
  }));
  return { state, history };
}
