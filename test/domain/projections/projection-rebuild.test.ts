import { describe, it } from 'vitest';
import {
  projectionRebuildDecider,
  type ProjectionRebuildCommand,
} from '../../../src/domain/projections/projection-rebuild.ts';
import type { ProjectionRebuildEvent } from '../../../src/domain/projections/projection-rebuild-events.ts';
import { deciderSpec } from '../../support/decider-testing.ts';

const { given } = deciderSpec(projectionRebuildDecider);
const rebuildId = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const ids = { rebuild_id: rebuildId, projection: 'users' };
const REASON = 'Handler fixed in 1.4.2 (ticket 88)';

const start: ProjectionRebuildCommand = {
  type: 'Start',
  rebuildId,
  projection: 'users',
  reason: REASON,
  nodeId: 'node-a',
  actorIsStaff: true,
};
const started: ProjectionRebuildEvent = {
  type: 'ProjectionRebuildStarted',
  data: { ...ids, reason: REASON, node_id: 'node-a' },
};
const progressed = (done: number): ProjectionRebuildEvent => ({
  type: 'ProjectionRebuildProgressed',
  data: { ...ids, done, total: 100 },
});
const completed: ProjectionRebuildEvent = {
  type: 'ProjectionRebuildCompleted',
  data: { ...ids, applied: 99, rejected: 1, position: null, seconds: 1.5 },
};
const complete: ProjectionRebuildCommand = { type: 'Complete', applied: 99, rejected: 1, position: null, seconds: 1.5 };

describe('projection rebuild decider', () => {
  describe('start', () => {
    it('records who asked, why and on which node', () => {
      given([]).when(start).then([started]);
    });

    it('refuses anyone who is not staff in good standing', () => {
      given([])
        .when({ ...start, actorIsStaff: false })
        .thenThrows('staff_only', 'forbidden');
    });

    it('requires a reason of 3 to 500 characters', () => {
      given([])
        .when({ ...start, reason: ' x ' })
        .thenThrows('reason_required', 'invalid');
      given([])
        .when({ ...start, reason: 'y'.repeat(501) })
        .thenThrows('reason_required', 'invalid');
    });

    it('is idempotent for the same rebuild, and refuses another projection on its id', () => {
      given([started]).when(start).then([]);
      given([started])
        .when({ ...start, projection: 'homes' })
        .thenThrows('rebuild_exists', 'conflict');
    });
  });

  describe('progress', () => {
    it('moves forward only', () => {
      given([started])
        .when({ type: 'RecordProgress', done: 40, total: 100 })
        .then([progressed(40)]);
      given([started, progressed(40)])
        .when({ type: 'RecordProgress', done: 40, total: 100 })
        .then([]);
      given([started, progressed(40)])
        .when({ type: 'RecordProgress', done: 10, total: 100 })
        .then([]);
    });

    it('is not recorded for a rebuild never started, nor after its end', () => {
      given([]).when({ type: 'RecordProgress', done: 1, total: null }).thenThrows('rebuild_not_started', 'conflict');
      given([started, completed]).when({ type: 'RecordProgress', done: 100, total: 100 }).then([]);
    });
  });

  describe('end', () => {
    it('completes once, with what it applied and rejected', () => {
      given([started, progressed(40)])
        .when(complete)
        .then([completed]);
      given([started, completed]).when(complete).then([]);
    });

    it('fails with the error, cut to 500 characters', () => {
      given([started])
        .when({ type: 'Fail', error: 'e'.repeat(600) })
        .then([{ type: 'ProjectionRebuildFailed', data: { ...ids, error: 'e'.repeat(500), abandoned: false } }]);
    });

    it('is abandoned by the next rebuild when its node died, and a late end then changes nothing', () => {
      const abandoned = given([started, progressed(40)])
        .when({ type: 'Abandon' })
        .thenTypes(['ProjectionRebuildFailed']);
      given([started, progressed(40), ...abandoned])
        .when(complete)
        .then([]);
      given([started, completed]).when({ type: 'Abandon' }).then([]);
    });
  });
});
