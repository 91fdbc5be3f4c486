import type { BridgeDialect } from './gateway-handshake.ts';

/** How a gateway's WebSocket upgrade ended (`error`: the credential check itself failed, 503). */
export type HandshakeOutcome = 'accepted' | 'unauthorized' | 'throttled' | 'not_found' | 'error';

/**
 * A reconnect admitted on a cached credential check whose follower was late (cached-admission.ts): the gateway's
 * stream was read instead, and the session kept (`kept`) or closed because its credentials ended (`refused`).
 */
export type LateAdmissionOutcome = 'kept' | 'refused';

/**
 * What the bridge reports to the process metrics. Defined here and implemented in src/metrics, so the bridge does
 * not depend on prom-client; the implementation bounds `type` to the known frame types.
 */
export interface BridgeMetrics {
  handshake(outcome: HandshakeOutcome): void;
  /** A frame received; `type` is the parsed frame type, or `invalid` when it could not be parsed. */
  frameIn(dialect: BridgeDialect, type: string): void;
  frameOut(dialect: BridgeDialect, type: string): void;
  lateAdmission(outcome: LateAdmissionOutcome): void;
}

/** The bridge without metrics (tests that build sessions by hand, tools). */
export const NO_BRIDGE_METRICS: BridgeMetrics = {
  handshake: () => {},
  frameIn: () => {},
  frameOut: () => {},
  lateAdmission: () => {},
};
