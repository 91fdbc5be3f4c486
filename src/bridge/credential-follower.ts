import { LRUCache } from 'lru-cache';
import { follow, type Following } from '../eventstore/follow.ts';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import type { GatewaySession } from './gateway-session.ts';

/** Events after which a live session's credentials are no longer valid. */
const CREDENTIAL_ENDING_EVENTS = new Set(['GatewayRevoked', 'GatewayDeleted', 'GatewaySecretRotated']);
/** Events after which a live session must go (its credentials died, or a newer session took over), or must act. */
const FOLLOWED_EVENTS = [...CREDENTIAL_ENDING_EVENTS, 'BridgeSessionOpened', 'DeviceInventoryRequested'];
/**
 * How many gateways' last credential-ending revision the follower remembers. It only has to cover revocations that
 * arrive between a handshake's credential check and its session being registered (milliseconds).
 */
const REMEMBERED_REVOCATIONS = 10_000;

/**
 * Whether the follower delivered a session's own `BridgeSessionOpened` in time (`delivered`), not within the bound
 * (`late`), or stopped first (`stopped`: the process is shutting down).
 */
export type OpeningDelivery = 'delivered' | 'late' | 'stopped';

/** The sessions of this process, as the follower needs them. */
export interface LiveSessions {
  /** The session registered for a gateway, open or closing. */
  registered(gatewayId: string): GatewaySession | undefined;
  /** The gateway's open session, if its socket is here. */
  open(gatewayId: string): GatewaySession | undefined;
}

/**
 * Follows the log, from every process, for what ends or reaches a live session: a revocation, deletion or secret
 * rotation closes sessions that checked older credentials; a newer session elsewhere replaces one here; an
 * inventory request reaches the gateway if its socket is here.
 */
export class CredentialFollower {
  /** Per gateway, the revision of the latest revocation/rotation/deletion seen (bounded, least recent out). */
  private readonly credentialsEndedAt = new LRUCache<string, number>({ max: REMEMBERED_REVOCATIONS });
  private following: Following | null = null;
  /** Sessions whose `BridgeSessionOpened` this follower delivered lately (bounded): an admission may come after. */
  private readonly seenOpened = new LRUCache<string, true>({ max: REMEMBERED_REVOCATIONS });
  /** Sessions waiting for the follower to deliver their own `BridgeSessionOpened`, by session id. */
  private readonly waiters = new Map<string, (delivery: OpeningDelivery) => void>();

  constructor(
    private readonly store: EventStore,
    private readonly sessions: LiveSessions,
    private readonly logger: Logger,
    /** Told of every gateway whose credentials ended (the credential cache forgets it). */
    private readonly onCredentialsEnded: (gatewayId: string) => void = () => {},
  ) {}

  /** Starts at the head of the log; after a failure it resumes from its cursor (see follow.ts). */
  async start(): Promise<void> {
    const head = await this.store.headPosition();
    this.following = follow(this.store, { eventTypes: FOLLOWED_EVENTS }, head, (event) => this.onEvent(event), {
      name: 'gateway-bridge',
      logger: this.logger,
    });
  }

  stop(): void {
    this.following?.stop();
    for (const done of this.waiters.values()) done('stopped');
    this.waiters.clear();
  }

  /** Whether the gateway's credentials ended (as far as this follower has seen) after `revision`. */
  endedAfter(gatewayId: string, revision: number): boolean {
    const endedAt = this.credentialsEndedAt.peek(gatewayId);
    return endedAt !== undefined && endedAt > revision;
  }

  /** The position of the last event the follower delivered (or where it started): how far it got, for logs. */
  get cursor(): Position | null {
    return this.following?.cursor ?? null;
  }

  /**
   * For a session admitted on a cached credential check: `delivered` once the follower has delivered the session's
   * own `BridgeSessionOpened` — in log order, so it has then seen every revocation committed before the gateway
   * connected (`credentialsEnded` tells) — or `late` when it has not within `timeoutMs`.
   */
  ownOpeningDelivered(sessionId: string, timeoutMs: number): Promise<OpeningDelivery> {
    if (this.seenOpened.has(sessionId)) return Promise.resolve('delivered');
    return new Promise<OpeningDelivery>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(sessionId);
        resolve('late');
      }, timeoutMs);
      this.waiters.set(sessionId, (delivery) => {
        clearTimeout(timer);
        resolve(delivery);
      });
    });
  }

  /** The follower delivered a session's `BridgeSessionOpened`: a session waiting for it may be greeted. */
  private sawOpened(sessionId: string): void {
    this.seenOpened.set(sessionId, true);
    const done = this.waiters.get(sessionId);
    if (!done) return;
    this.waiters.delete(sessionId);
    done('delivered');
  }

  /**
   * Whether the session's credentials died after its handshake checked them. By the gateway stream's revision,
   * not by global position: a revocation that landed between the handshake's check and BridgeSessionOpened is
   * before the session in the log, yet after what was checked.
   */
  credentialsEnded(session: GatewaySession): boolean {
    return this.endedAfter(session.gatewayId, session.origin.credentialsRevision);
  }

  private onEvent(event: RecordedEvent): void {
    const data = event.data as { gateway_id?: string; session_id?: string; request_id?: string };
    if (!data.gateway_id) return;
    if (event.type === 'DeviceInventoryRequested') {
      this.requestInventory(data.gateway_id, String(data.request_id));
      return;
    }
    if (CREDENTIAL_ENDING_EVENTS.has(event.type)) {
      this.rememberCredentialsEnded(data.gateway_id, event.revision);
      this.onCredentialsEnded(data.gateway_id);
      const session = this.sessions.registered(data.gateway_id);
      if (session && this.credentialsEnded(session)) void session.close('revoked');
      return;
    }
    if (data.session_id) this.sawOpened(data.session_id);
    this.replaceOlderSession(data.gateway_id, data.session_id, event.position);
  }

  /** A session opened elsewhere replaces this process's, if it began after it. */
  private replaceOlderSession(
    gatewayId: string,
    newerSessionId: string | undefined,
    openedElsewhereAt: RecordedEvent['position'],
  ): void {
    const session = this.sessions.registered(gatewayId);
    if (!session || newerSessionId === session.sessionId) return;
    // Only what happened after this session began ends it (a late delivery of an older event must not).
    session.opened.then(
      (openedAt) => {
        if (openedElsewhereAt <= openedAt) return;
        void session.close('replaced');
      },
      () => {},
    );
  }

  /** An inventory asked for in any process reaches the gateway if its socket is here (else another node sends it). */
  private requestInventory(gatewayId: string, requestId: string): void {
    const session = this.sessions.open(gatewayId);
    if (session && !session.requestInventory(requestId)) {
      this.logger.info(
        { gateway_id: gatewayId, request_id: requestId },
        'inventory requested from a gateway whose dialect has none',
      );
    }
  }

  private rememberCredentialsEnded(gatewayId: string, revision: number): void {
    this.credentialsEndedAt.set(gatewayId, Math.max(revision, this.credentialsEndedAt.peek(gatewayId) ?? -1));
  }
}
