import type { RunnerStatus } from './projection-runner.ts';

export interface ProjectionReadiness {
  /** False when a projection keeps failing (the database, not an event) or lags more than the bound. */
  ok: boolean;
  /** Ready, yet some projection rejected events (dead letters): its read model lacks what they would have written. */
  degraded: boolean;
  detail: RunnerStatus[];
}

/**
 * `/readyz` for the projections. A projection that rejected a poison event is live — it applies every later event
 * — so the node stays ready (a 503 would take every home's reads out of the load balancer for one event), but the
 * answer says `degraded` and the detail names the rejections, for an operator to look at.
 */
export function projectionReadiness(statuses: RunnerStatus[], maxLagSeconds: number): ProjectionReadiness {
  const ok = statuses.every((status) => status.state !== 'failing' && status.lagSeconds <= maxLagSeconds);
  const degraded = statuses.some((status) => status.rejected.count > 0);
  return { ok, degraded, detail: statuses };
}
