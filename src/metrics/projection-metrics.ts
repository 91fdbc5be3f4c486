import { Gauge, type Registry } from 'prom-client';
import type { EventStore, Position } from '../eventstore/port.ts';
import type { Projection } from '../projections/projection.ts';
import type { RunnerStatus } from '../projections/projection-runner.ts';

/** Counting further than this says nothing more to an operator, and keeps a scrape of a far-behind node cheap. */
const LAG_COUNT_LIMIT = 10_000;

/** What the projection series read at scrape time: the runners' status and the log they follow. */
export interface ProjectionSource {
  status(): RunnerStatus[];
  store: EventStore;
  projections: readonly Projection[];
}

/** Events after `checkpoint` this projection handles, up to the limit (a page read where the store cannot count). */
async function eventsBehind(store: EventStore, projection: Projection, checkpoint: Position | null): Promise<number> {
  const filter = { eventTypes: projection.eventTypes };
  if (store.countEvents) return store.countEvents({ after: checkpoint, filter, limit: LAG_COUNT_LIMIT });
  return (await store.readAll({ after: checkpoint, filter, maxCount: 1000 })).length;
}

/**
 * Per projection, read when scraped: how far it lags the log (events it handles not yet applied, and the age of
 * the oldest in seconds) and how many events it rejected as dead letters.
 */
export function registerProjectionMetrics(registry: Registry, source: () => ProjectionSource | null): void {
  new Gauge({
    name: 'smarthome_projection_lag_seconds',
    help: 'Age of the oldest event a projection has not applied yet (0 when caught up), per projection',
    labelNames: ['projection'],
    registers: [registry],
    collect() {
      for (const status of source()?.status() ?? []) this.set({ projection: status.name }, status.lagSeconds);
    },
  });
  new Gauge({
    name: 'smarthome_projection_lag_events',
    help: `Events a projection handles that are in the log but not applied yet (counted up to ${LAG_COUNT_LIMIT}), per projection`,
    labelNames: ['projection'],
    registers: [registry],
    async collect() {
      const current = source();
      if (!current) return;
      const byName = new Map(current.projections.map((projection) => [projection.name, projection]));
      await Promise.all(
        current.status().map(async (status) => {
          const projection = byName.get(status.name);
          if (projection)
            this.set({ projection: status.name }, await eventsBehind(current.store, projection, status.checkpoint));
        }),
      );
    },
  });
  new Gauge({
    name: 'smarthome_projection_rejected_events',
    help: 'Events a projection could not apply and recorded as dead letters (it went on after them), per projection',
    labelNames: ['projection'],
    registers: [registry],
    collect() {
      for (const status of source()?.status() ?? []) this.set({ projection: status.name }, status.rejected.count);
    },
  });
}
