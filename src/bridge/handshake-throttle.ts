import { LRUCache } from 'lru-cache';

/**
 * Limits failed bridge handshakes by their source, never by the gateway they name: anyone who can read a gateway
 * id (every member of its home) could otherwise keep the real gateway out by failing with it.
 *
 * - A source is a (gateway id, client address) pair. After `freeFailures` failures it backs off: refused (429)
 *   for 1 s, then 2 s, 4 s … up to `maxBackoffMs` per further failure. It is forgotten after `forgetAfterMs`
 *   without a failure, and at once when it presents the right secret. The real gateway at another address is
 *   never refused because of it.
 * - An address is capped generously (`failuresPerAddressWindow` per `addressWindowMs`): a home router or a
 *   carrier NAT has many gateways behind it. Over the cap, the address is noisy until its window ends: handshakes
 *   without credentials, and pairs that already failed from it, are refused without a check; a gateway id that has
 *   not failed from that address is still checked, so a neighbour behind the same NAT with the right secret gets in.
 *
 * In memory, per process, bounded (oldest entries out first).
 */
export interface HandshakeThrottleSettings {
  freeFailures: number;
  firstBackoffMs: number;
  maxBackoffMs: number;
  forgetAfterMs: number;
  failuresPerAddressWindow: number;
  addressWindowMs: number;
  maxEntries: number;
}

export function handshakeThrottleSettings(failureLimit: number): HandshakeThrottleSettings {
  return {
    freeFailures: failureLimit,
    firstBackoffMs: 1000,
    maxBackoffMs: 60_000,
    forgetAfterMs: 15 * 60_000,
    failuresPerAddressWindow: failureLimit * 10,
    addressWindowMs: 60_000,
    maxEntries: 100_000,
  };
}

interface SourceFailures {
  count: number;
  lastFailureAt: number;
  blockedUntil: number;
}

interface AddressWindow {
  count: number;
  endsAt: number;
}

/** A handshake without a gateway id is its own source per address. */
const NO_GATEWAY = '(none)';

export class HandshakeThrottle {
  /** Bounded, least recently failed out first. */
  private readonly sources: LRUCache<string, SourceFailures>;
  private readonly addresses: LRUCache<string, AddressWindow>;

  constructor(
    private readonly settings: HandshakeThrottleSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.sources = new LRUCache({ max: settings.maxEntries });
    this.addresses = new LRUCache({ max: settings.maxEntries });
  }

  /** Seconds to wait when this handshake is refused before its credentials are checked; null when it is checked. */
  retryAfter(address: string, gatewayId: string | null): number | null {
    const now = this.now();
    const source = this.liveSource(sourceKey(address, gatewayId), now);
    if (source && source.blockedUntil > now) return secondsUntil(source.blockedUntil, now);
    const window = this.addresses.peek(address);
    const noisy = window !== undefined && window.endsAt > now && window.count >= this.settings.failuresPerAddressWindow;
    if (noisy && (gatewayId === null || source !== undefined)) return secondsUntil(window.endsAt, now);
    return null;
  }

  failed(address: string, gatewayId: string | null): void {
    const now = this.now();
    const key = sourceKey(address, gatewayId);
    const source = this.liveSource(key, now) ?? { count: 0, lastFailureAt: now, blockedUntil: 0 };
    source.count += 1;
    source.lastFailureAt = now;
    const over = source.count - this.settings.freeFailures;
    if (over > 0) {
      const backoff = this.settings.firstBackoffMs * 2 ** Math.min(over - 1, 30);
      source.blockedUntil = now + Math.min(backoff, this.settings.maxBackoffMs);
    }
    this.sources.set(key, source);
    this.countAddressFailure(address, now);
  }

  /** The right secret: this source starts over (the address's window is left alone: others may be failing). */
  succeeded(address: string, gatewayId: string): void {
    this.sources.delete(sourceKey(address, gatewayId));
  }

  private countAddressFailure(address: string, now: number): void {
    const window = this.addresses.peek(address);
    if (window && window.endsAt > now) {
      window.count += 1;
      return;
    }
    this.addresses.set(address, { count: 1, endsAt: now + this.settings.addressWindowMs });
  }

  private liveSource(key: string, now: number): SourceFailures | undefined {
    const source = this.sources.peek(key);
    if (source && now - source.lastFailureAt >= this.settings.forgetAfterMs && source.blockedUntil <= now) {
      this.sources.delete(key);
      return undefined;
    }
    return source;
  }
}

function sourceKey(address: string, gatewayId: string | null): string {
  return `${gatewayId ?? NO_GATEWAY} ${address}`;
}

function secondsUntil(at: number, now: number): number {
  return Math.max(1, Math.ceil((at - now) / 1000));
}
