import { createHash, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';

type Verdict = NonNullable<Awaited<ReturnType<GatewayAuthenticator>>>;

/** What the cache asks the credential follower: did the gateway's credentials end after this revision? */
export interface CredentialEnds {
  endedAfter(gatewayId: string, revision: number): boolean;
}

/** Gateways whose accepted credentials are remembered (~200 bytes each), least recently connected out first. */
const MAX_VERDICTS = 100_000;

/**
 * The credential check's cached view: a gateway that connected with a secret reconnects with the same secret
 * without its stream being read again. The credential follower forgets a gateway when it sees its revocation,
 * deletion or secret rotation, and a verdict read before one it already saw is never kept. The follower sees a
 * revocation only after it committed, so a verdict from here is `cached`: the bridge greets such a session only
 * once the follower has passed the session's own `BridgeSessionOpened` (cached-admission.ts) — every revocation
 * acknowledged before the gateway connected is then seen, and ends the session before its welcome; a follower too
 * late for that hands the decision to a read of the gateway's stream.
 * Only the SHA-256 of an accepted secret is kept; a wrong secret is always checked on the stream (and throttled).
 */
export class CredentialCache {
  private readonly verdicts = new LRUCache<string, { fingerprint: Buffer; verdict: Verdict }>({ max: MAX_VERDICTS });

  constructor(
    private readonly check: GatewayAuthenticator,
    private readonly ends: CredentialEnds,
  ) {}

  readonly authenticate = async (
    gatewayId: string,
    secret: string,
  ): Promise<(Verdict & { cached: boolean }) | null> => {
    const key = gatewayId.toLowerCase();
    const fingerprint = createHash('sha256').update(secret).digest();
    const known = this.verdicts.get(key);
    if (
      known &&
      timingSafeEqual(known.fingerprint, fingerprint) &&
      !this.ends.endedAfter(key, known.verdict.revision)
    ) {
      return { ...known.verdict, cached: true };
    }
    const verdict = await this.check(gatewayId, secret);
    if (!verdict) return null;
    // A revocation the follower saw while the stream was read: the verdict is not kept (the session ends anyway).
    if (!this.ends.endedAfter(key, verdict.revision)) this.verdicts.set(key, { fingerprint, verdict });
    return { ...verdict, cached: false };
  };

  /** The gateway's credentials ended (revoked, deleted, rotated): its next connect reads its stream. */
  forget(gatewayId: string): void {
    this.verdicts.delete(gatewayId.toLowerCase());
  }
}
