import type { ProjectionLagSample, ProjectionLagSnapshot } from './projection-lag-sampler.ts';

export type ProjectionDetail = ProjectionLagSample & { stalled: boolean; appliedHere: boolean };

export interface ProjectionReadiness {
  /** False when a projection has not advanced for `maxLagS` while the log held events for it (or no fresh sample). */
  ok: boolean;
  /** Ready, yet some projection rejected events (dead letters): its read model lacks what they would have written. */
  degraded: boolean;
  detail: ProjectionDetail[] | string;
}

/**
 * `/readyz` for the projections, from the lag sampler's last sample — the checkpoints in the database, so every
 * node answers alike whether or not it applies a projection. A projection that rejected a poison event is live —
 * it applies every later event — so the node stays ready (a 503 would take every home's reads out of the load
 * balancer for one event), but the answer says `degraded` and the detail names the rejections. A sample older
 * than `maxLagS` (at least a few seconds) means the sampler cannot read the database: not ready.
 */
export function projectionReadiness(
  snapshot: ProjectionLagSnapshot | null,
  maxLagS: number,
  appliedHere: (name: string) => boolean,
  now: number = Date.now(),
): ProjectionReadiness {
  if (snapshot === null) return { ok: false, degraded: false, detail: 'no projection sample yet' };
  const ageS = (now - snapshot.sampledAt.getTime()) / 1000;
  if (ageS > Math.max(maxLagS, 5))
    return { ok: false, degraded: false, detail: `the last projection sample is ${Math.round(ageS)} s old` };
  const detail = snapshot.projections.map((sample) => ({
    ...sample,
    stalled: sample.stalledSeconds > maxLagS,
    appliedHere: appliedHere(sample.name),
  }));
  const ok = detail.every((sample) => !sample.stalled);
  const degraded = detail.some((sample) => sample.rejected.count > 0);
  return { ok, degraded, detail };
}
