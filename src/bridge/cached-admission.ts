import type { SessionCloseReason } from '../domain/bridge/telemetry-events.ts';
import type { Logger } from '../logger.ts';
import type { BridgeMetrics } from './bridge-metrics.ts';
import type { CredentialFollower } from './credential-follower.ts';
import type { GatewayAuthenticator } from './gateway-authenticator.ts';
import type { GatewayCredentials } from './gateway-credentials.ts';
import type { GatewaySession } from './gateway-session.ts';

/** How long a session admitted on a cached credential check waits for the follower before its stream is read. */
export const DEFAULT_ADMISSION_TIMEOUT_MS = 10_000;

export interface CachedAdmissionOptions {
  follower: CredentialFollower;
  /** The uncached credential check (the gateway's own stream), as a handshake without a cached verdict runs it. */
  check: GatewayAuthenticator;
  logger: Logger;
  metrics: BridgeMetrics;
  timeoutMs: number;
}

/**
 * Whether a session whose handshake was answered from the credential cache may be greeted. The cached verdict may
 * predate a revocation the follower has not delivered yet; once the follower has delivered the session's own
 * `BridgeSessionOpened` it has seen every revocation committed before the gateway connected, and decides.
 *
 * A follower that does not get there in time (a stalled subscription, a slow store) must not cost the home its
 * connection: the field edges never reconnect after a close. Past the bound the gateway's stream is read, as a
 * handshake without a cached verdict reads it — after `BridgeSessionOpened` committed, so it sees every revocation
 * committed before the connect, which is all the follower would have told. The session stays when the credentials
 * still hold, and closes `revoked` (4401, the socket's form of the handshake's 401) when they do not; revocations
 * after that read reach the session through the follower once it catches up, as for any session.
 */
export class CachedAdmission {
  constructor(private readonly options: CachedAdmissionOptions) {}

  /** Null: greet the session; else why it must close. `credentials` are the ones its handshake presented. */
  async decide(session: GatewaySession, credentials: GatewayCredentials | null): Promise<SessionCloseReason | null> {
    const { follower, timeoutMs } = this.options;
    const waitStarted = Date.now();
    const delivery = await follower.ownOpeningDelivered(session.sessionId, timeoutMs);
    if (delivery === 'stopped') return 'server_shutdown';
    if (delivery === 'delivered') return follower.credentialsEnded(session) ? 'revoked' : null;
    // Replaced or closed while it waited: nothing will be greeted, so there is nothing to check.
    if (!session.isOpen) return null;
    return this.checkOnStream(session, credentials, Date.now() - waitStarted);
  }

  /** The follower is late: the gateway's stream decides, as it does for a handshake without a cached verdict. */
  private async checkOnStream(
    session: GatewaySession,
    credentials: GatewayCredentials | null,
    lagMs: number,
  ): Promise<SessionCloseReason | null> {
    // The handshake read these from the same request; without them there is nothing to check, so nothing to keep.
    const verdict = credentials ? await this.options.check(credentials.gatewayId, credentials.secret) : null;
    const holds = verdict !== null && !this.options.follower.credentialsEnded(session);
    this.options.metrics.lateAdmission(holds ? 'kept' : 'refused');
    this.options.logger.warn(
      {
        gateway_id: session.gatewayId,
        session_id: session.sessionId,
        lag_ms: lagMs,
        follower_position: this.options.follower.cursor,
        opened_position: await session.opened,
        outcome: holds ? 'kept' : 'refused',
      },
      'credential follower did not reach a cached admission in time; checked the gateway stream instead',
    );
    return holds ? null : 'revoked';
  }
}
