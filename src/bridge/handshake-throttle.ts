import type { LimiterBackend } from '../limits/limiter-backend.ts';
import type { Limiter } from '../limits/limiter.ts';

/**
 * Limits failed bridge handshakes by their source, never by the gateway they name: anyone who can read a gateway
 * id (every member of its home) could otherwise keep the real gateway out by failing with it.
 *
 * - A source is a (gateway id, client address) pair. After `freeFailures` failures it backs off: refused (429)
 *   for 1 s, then 2 s, 4 s … up to `maxBackoffMs` per further failure. Its failure count is forgotten
 *   `forgetAfterMs` after its first failure (a fixed window, stored with an expiry), and at once when it presents
 *   the right secret. The real gateway at another address is
 *   never refused because of it.
 * - An address is capped generously (`failuresPerAddressWindow` per `addressWindowMs`): a home router or a
 *   carrier NAT has many gateways behind it. Over the cap, the address is noisy until its window ends: handshakes
 *   without credentials, and pairs that already failed from it, are refused without a check; a gateway id that has
 *   not failed from that address is still checked, so a neighbour behind the same NAT with the right secret gets in.
 *
 * The counts live in the process's limiter backend: in memory, or in Redis (REDIS_URL) and so shared by every
 * node — a source backing off on one node is backing off on all of them.
 */
export interface HandshakeThrottleSettings {
  freeFailures: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
  forgetAfterMs: number;
  failuresPerAddressWindow: number;
  addressWindowMs: number;
}

export function handshakeThrottleSettings(failureLimit: number): HandshakeThrottleSettings {
  return {
    freeFailures: failureLimit,
    firstBackoffMs: 1000,
    maxBackoffMs: 60_000,
    forgetAfterMs: 15 * 60_000,
    failuresPerAddressWindow: failureLimit * 10,
    addressWindowMs: 60_000,
  };
}

/** A handshake without a gateway id is its own source per address. */
const NO_GATEWAY = '(none)';

export class HandshakeThrottle {
  /** Failures per source, forgotten `forgetAfterMs` after the first of them. */
  private readonly failures: Limiter;
  /** Sources backing off: held at their limit until the back-off ends. */
  private readonly backoffs: Limiter;
  /** Failures per address in its window (the generous cap). */
  private readonly addresses: Limiter;

  constructor(
    private readonly settings: HandshakeThrottleSettings,
    limits: LimiterBackend,
  ) {
    this.failures = limits.limiter('handshake:source', settings.freeFailures, wholeSeconds(settings.forgetAfterMs));
    this.backoffs = limits.limiter('handshake:backoff', 1, wholeSeconds(settings.maxBackoffMs));
    this.addresses = limits.limiter(
      'handshake:address',
      settings.failuresPerAddressWindow,
      wholeSeconds(settings.addressWindowMs),
    );
  }

  /** Seconds to wait when this handshake is refused before its credentials are checked; null when it is checked. */
  async retryAfter(address: string, gatewayId: string | null): Promise<number | null> {
    const key = sourceKey(address, gatewayId);
    const [backingOff, source, noisy] = await Promise.all([
      this.backoffs.retryAfter(key),
      this.failures.peek(key),
      this.addresses.retryAfter(address),
    ]);
    if (backingOff !== null) return backingOff;
    if (noisy !== null && (gatewayId === null || source !== null)) return noisy;
    return null;
  }

  async failed(address: string, gatewayId: string | null): Promise<void> {
    const key = sourceKey(address, gatewayId);
    const [source] = await Promise.all([this.failures.penalty(key), this.addresses.penalty(address)]);
    const over = source.count - this.settings.freeFailures;
    if (over <= 0) return;
    const backoffMs = Math.min(this.settings.firstBackoffMs * 2 ** Math.min(over - 1, 30), this.settings.maxBackoffMs);
    await this.backoffs.block(key, wholeSeconds(backoffMs));
  }

  /** The right secret: this source starts over (the address's window is left alone: others may be failing). */
  async succeeded(address: string, gatewayId: string): Promise<void> {
    const key = sourceKey(address, gatewayId);
    await Promise.all([this.failures.reset(key), this.backoffs.reset(key)]);
  }
}

function sourceKey(address: string, gatewayId: string | null): string {
  return `${gatewayId ?? NO_GATEWAY} ${address}`;
}

/** Redis keeps whole seconds; every duration here is whole seconds already (1 s, 2 s … 60 s, 15 min). */
function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
