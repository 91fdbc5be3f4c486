import type { ReadinessCheck } from '../api/routes/health-routes.ts';
import type { ProjectionLagSampler } from '../projections/projection-lag-sampler.ts';
import { projectionReadiness } from '../projections/projection-readiness.ts';
import type { ProjectionSet } from '../projections/projection-set.ts';
import type { Stores } from '../stores.ts';

/**
 * What `/readyz` asks before a node takes traffic: the event store and the read-model database answer, and no
 * projection has stood still for more than `maxLagS` seconds while the log held events for it (judged from the
 * lag sampler's last sample, never computed at the request).
 */
export function readinessChecks(
  stores: Stores,
  projections: ProjectionSet,
  sampler: ProjectionLagSampler,
  maxLagS: number,
): ReadinessCheck[] {
  return [
    { name: 'event_store', check: async () => (await stores.eventStore.ping(), { ok: true }) },
    { name: 'read_models', check: async () => (await stores.readModels.knex.raw('select 1'), { ok: true }) },
    {
      name: 'projections',
      check: async () => projectionReadiness(sampler.latest(), maxLagS, (name) => projections.applies(name)),
    },
  ];
}
