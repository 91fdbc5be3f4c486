import type { GatewaySession } from './gateway-session.ts';
import type { InboundFrame } from './protocol/index.ts';

export interface SessionSettings {
  heartbeatIntervalS: number;
  heartbeatTimeoutS: number;
  maxFrameBytes: number;
  maxFramesPerSecond: number;
  /** Seconds of sustained excess before the session is closed (one `error` frame is sent first). */
  rateLimitGraceWindows: number;
  maxSyncBytes: number;
  /** Stored telemetry (state and sync frames, UTF-8 bytes) a session may send per minute, bursts up to that. */
  telemetryBytesPerMinute: number;
  /** Refused frames (invalid, out of bounds, unstorable, failed to store) within the window that close the session. */
  maxRefusedFrames: number;
  refusedFramesWindowS: number;
}

export interface SessionOrigin {
  gatewayId: string;
  homeId: string;
  nodeId: string;
  remoteAddress: string | null;
  userAgent: string | null;
  /** Revision of the gateway stream the handshake's credential check read (see CredentialFollower.credentialsEnded). */
  credentialsRevision: number;
}

/** An ack for a command this session relayed (the remote-control capability plugs in here). */
export type CommandAckHandler = (
  session: GatewaySession,
  requestId: string,
  frame: Extract<InboundFrame, { type: 'ack' }>,
) => boolean;

/** A remote command as the relay hands it to a session; each dialect encodes it its own way. */
export interface OutgoingCommand {
  commandId: string;
  deviceId: string;
  action: string;
  params: Record<string, unknown>;
}
