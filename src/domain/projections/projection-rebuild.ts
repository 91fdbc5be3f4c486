import type { Decider } from '../decider.ts';
import { conflict, forbidden, invalid } from '../errors.ts';
import { staffReason } from '../accounts/staff-events.ts';
import type { ProjectionRebuildEvent } from './projection-rebuild-events.ts';

export const projectionRebuildStream = (rebuildId: string) => `projection_rebuild-${rebuildId}`;

/** The longest error text a failed rebuild records. */
export const MAX_REBUILD_ERROR = 500;

export interface ProjectionRebuildState {
  rebuildId: string | null;
  projection: string | null;
  state: 'none' | 'running' | 'completed' | 'failed';
  done: number;
}

export type ProjectionRebuildCommand =
  /** `actorIsStaff`: the staff member's standing, read from their own stream just before. */
  | {
      type: 'Start';
      rebuildId: string;
      projection: string;
      reason: string;
      nodeId: string;
      actorIsStaff: boolean;
    }
  | { type: 'RecordProgress'; done: number; total: number | null }
  | { type: 'Complete'; applied: number; rejected: number; position: string | null; seconds: number }
  | { type: 'Fail'; error: string }
  /** The next rebuild of the projection found this one unfinished while it holds the rebuild lease: its node died. */
  | { type: 'Abandon' };

const ids = (state: ProjectionRebuildState) => ({ rebuild_id: state.rebuildId!, projection: state.projection! });

/**
 * One rebuild's record: started once by staff with a reason, progress only forward while it runs, and one end
 * (completed, failed, or abandoned). Commands after the end change nothing, so a late progress report or a second
 * end (the node that died came back) is harmless.
 */
export const projectionRebuildDecider: Decider<
  ProjectionRebuildCommand,
  ProjectionRebuildEvent,
  ProjectionRebuildState
> = {
  initialState: { rebuildId: null, projection: null, state: 'none', done: 0 },

  evolve(state, event) {
    switch (event.type) {
      case 'ProjectionRebuildStarted':
        return { rebuildId: event.data.rebuild_id, projection: event.data.projection, state: 'running', done: 0 };
      case 'ProjectionRebuildProgressed':
        return { ...state, done: event.data.done };
      case 'ProjectionRebuildCompleted':
        return { ...state, state: 'completed', done: event.data.applied + event.data.rejected };
      case 'ProjectionRebuildFailed':
        return { ...state, state: 'failed' };
    }
  },

  decide(command, state) {
    if (command.type === 'Start') return start(command, state);
    if (state.state === 'none') throw conflict('rebuild_not_started', 'This rebuild was never started');
    if (state.state !== 'running') return [];
    switch (command.type) {
      case 'RecordProgress':
        if (command.done <= state.done) return [];
        return [
          { type: 'ProjectionRebuildProgressed', data: { ...ids(state), done: command.done, total: command.total } },
        ];
      case 'Complete':
        return [
          {
            type: 'ProjectionRebuildCompleted',
            data: {
              ...ids(state),
              applied: command.applied,
              rejected: command.rejected,
              position: command.position,
              seconds: command.seconds,
            },
          },
        ];
      case 'Fail':
        return [failed(state, command.error, false)];
      case 'Abandon':
        return [failed(state, 'The node running this rebuild stopped before it finished', true)];
    }
  },
};

function start(
  command: Extract<ProjectionRebuildCommand, { type: 'Start' }>,
  state: ProjectionRebuildState,
): ProjectionRebuildEvent[] {
  if (!command.actorIsStaff) throw forbidden('staff_only', 'Only staff may do this');
  const reason = staffReason.safeParse(command.reason);
  if (!reason.success) throw invalid('reason_required', 'Give a reason (3 to 500 characters)', { field: 'reason' });
  if (state.state !== 'none') {
    if (state.projection === command.projection) return [];
    throw conflict('rebuild_exists', 'This rebuild id is taken');
  }
  return [
    {
      type: 'ProjectionRebuildStarted',
      data: {
        rebuild_id: command.rebuildId,
        projection: command.projection,
        reason: reason.data,
        node_id: command.nodeId,
      },
    },
  ];
}

function failed(state: ProjectionRebuildState, error: string, abandoned: boolean): ProjectionRebuildEvent {
  return {
    type: 'ProjectionRebuildFailed',
    data: { ...ids(state), error: error.slice(0, MAX_REBUILD_ERROR), abandoned },
  };
}
