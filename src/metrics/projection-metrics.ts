import { Gauge, type Registry } from 'prom-client';
import type { ProjectionLagSample, ProjectionLagSnapshot } from '../projections/projection-lag-sampler.ts';

/**
 * What the projection series read at scrape time: the lag sampler's last sample (projection-lag-sampler.ts, the
 * one that `/readyz` judges by), and whether this process applies each projection now (holds its lease).
 */
export interface ProjectionSource {
  latest(): ProjectionLagSnapshot | null;
  appliedHere(name: string): boolean;
}

function perProjection(
  registry: Registry,
  name: string,
  help: string,
  value: (sample: ProjectionLagSample, source: ProjectionSource) => number,
  source: () => ProjectionSource | null,
): void {
  new Gauge({
    name,
    help,
    labelNames: ['projection'],
    registers: [registry],
    collect() {
      const current = source();
      for (const sample of current?.latest()?.projections ?? [])
        this.set({ projection: sample.name }, value(sample, current!));
    },
  });
}

/**
 * Per projection, from the last sample (no query at scrape time): how far it lags the log (events it handles not
 * yet applied, the age of the oldest, how long it has stood still with events waiting), its dead letters, and
 * whether this process applies it.
 */
export function registerProjectionMetrics(registry: Registry, source: () => ProjectionSource | null): void {
  perProjection(
    registry,
    'smarthome_projection_lag_seconds',
    'Age of the oldest event a projection has not applied yet (0 when caught up), per projection',
    (sample) => sample.lagSeconds,
    source,
  );
  perProjection(
    registry,
    'smarthome_projection_lag_events',
    'Events a projection handles that are in the log but not applied yet (counted up to 10000), per projection',
    (sample) => sample.lagEvents,
    source,
  );
  perProjection(
    registry,
    'smarthome_projection_stalled_seconds',
    'How long a projection has not advanced while the log held events for it (0 when caught up), per projection',
    (sample) => sample.stalledSeconds,
    source,
  );
  perProjection(
    registry,
    'smarthome_projection_rejected_events',
    'Events a projection could not apply and recorded as dead letters (it went on after them), per projection',
    (sample) => sample.rejected.count,
    source,
  );
  perProjection(
    registry,
    'smarthome_projection_applied_here',
    '1 when this process applies the projection now (holds its lease), else 0',
    (sample, current) => (current.appliedHere(sample.name) ? 1 : 0),
    source,
  );
}
