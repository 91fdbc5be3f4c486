import type { Position } from '../eventstore/port.ts';
import { hasReached, maxPosition } from '../eventstore/position.ts';

export interface GatewayLookupCatchUpParts {
  /** Where this process last appended an event the lookup's read models handle (null: none since it started). */
  ownLatestWrite: () => Position | null;
  /** The head of the log the last lag sample saw, when it found one of those read models behind it (else null). */
  sampledLagHead: () => Position | null;
  /** Resolves true once every read model behind the lookup has applied `position` (false: not in time). */
  reach: (position: Position) => Promise<boolean>;
}

/**
 * What a gateway lookup that missed waits for before it answers 404. Only a write known to this process can be what
 * the caller is looking for: one this process appended (a provisioning, a grant — the caller's own write answered
 * here), or one the projection lag sampler saw the read models behind (a write answered by another node whose own
 * wait timed out; the sampler reads the head and the checkpoints every second, whatever else happens). When neither
 * is ahead of what the read models are known to have applied, there is nothing to wait for: a probe of unknown ids
 * costs one query, no head read and no wait. Each write or lagging sample is waited for once; a miss after the read
 * models were seen to reach it answers at once.
 */
export class GatewayLookupCatchUp {
  /** Up to where the read models behind the lookup are known to have applied everything. */
  private reached: Position | null = null;

  constructor(private readonly parts: GatewayLookupCatchUpParts) {}

  /** True after waiting for a write the read models may not have shown (look again); false: nothing to wait for. */
  async caughtUp(): Promise<boolean> {
    const target = maxPosition(this.parts.ownLatestWrite(), this.parts.sampledLagHead());
    if (target === null || hasReached(this.reached, target)) return false;
    if (await this.parts.reach(target)) this.reached = maxPosition(this.reached, target);
    return true;
  }
}
