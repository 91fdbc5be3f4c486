import type { SessionCloseReason, TelemetryEvent } from '../../domain/bridge/telemetry-events.ts';

/**
 * The one place that builds the bridge's telemetry events: the `/bridge/` and field sessions, the start-up
 * clean-up of orphaned sessions, and inventory requests all record through these, so each event's shape is
 * written once.
 */

type TelemetryEventOf<Type extends TelemetryEvent['type']> = Extract<TelemetryEvent, { type: Type }>;
type DataOf<Type extends TelemetryEvent['type']> = TelemetryEventOf<Type>['data'];

/** Which session an event belongs to. */
export interface SessionIdentity {
  sessionId: string;
  gatewayId: string;
  homeId: string;
}

export interface SessionOpening {
  nodeId: string;
  remoteAddress: string | null;
  userAgent: string | null;
  protocolVersion: string;
}

export interface SessionEnding {
  reason: SessionCloseReason;
  /** When the session began (ms since the epoch) and when it ended. */
  startedAtMs: number;
  endedAtMs: number;
  framesIn: number;
  framesOut: number;
}

const sessionFields = (session: SessionIdentity) => ({
  session_id: session.sessionId,
  gateway_id: session.gatewayId,
  home_id: session.homeId,
});

export function bridgeSessionOpened(
  session: SessionIdentity,
  opening: SessionOpening,
): TelemetryEventOf<'BridgeSessionOpened'> {
  return {
    type: 'BridgeSessionOpened',
    data: {
      ...sessionFields(session),
      node_id: opening.nodeId,
      remote_address: opening.remoteAddress,
      user_agent: opening.userAgent,
      protocol_version: opening.protocolVersion,
    },
  };
}

export function bridgeSessionClosed(
  session: SessionIdentity,
  ending: SessionEnding,
): TelemetryEventOf<'BridgeSessionClosed'> {
  return {
    type: 'BridgeSessionClosed',
    data: {
      ...sessionFields(session),
      reason: ending.reason,
      // Tenths of a second; never negative, even if the wall clock stepped back during the session.
      duration_s: Math.max(0, Math.round((ending.endedAtMs - ending.startedAtMs) / 100) / 10),
      frames_in: ending.framesIn,
      frames_out: ending.framesOut,
    },
  };
}

type ReportedDevice = DataOf<'DeviceStatesReported'>['devices'][number];

/**
 * A device's state is kept as the edge sent it (the field edge's may be anything JSON); the catalogue's schema
 * checks it before it is stored (see unstorable-telemetry.ts), so it is typed loosely here.
 */
export function deviceStatesReported(
  session: SessionIdentity,
  requestId: string,
  devices: ReadonlyArray<Omit<ReportedDevice, 'state'> & { state: unknown }>,
): TelemetryEventOf<'DeviceStatesReported'> {
  return {
    type: 'DeviceStatesReported',
    data: { ...sessionFields(session), request_id: requestId, devices: devices as ReportedDevice[] },
  };
}

export function homeMetadataSynced(
  session: SessionIdentity,
  requestId: string,
  metadata: Record<string, unknown>,
): TelemetryEventOf<'HomeMetadataSynced'> {
  return { type: 'HomeMetadataSynced', data: { ...sessionFields(session), request_id: requestId, metadata } };
}

/**
 * The entities are kept exactly as the edge described them; the catalogue's schema bounds them when the event is
 * checked before it is stored (see unstorable-telemetry.ts), so they are typed loosely here.
 */
export function deviceInventoryReported(
  session: SessionIdentity,
  requestId: string,
  entities: readonly unknown[],
): TelemetryEvent {
  return {
    type: 'DeviceInventoryReported',
    data: { ...sessionFields(session), request_id: requestId, entities },
  } as TelemetryEvent;
}

export function deviceInventoryRequested(request: {
  gatewayId: string;
  homeId: string;
  requestId: string;
  requestedBy: string;
}): TelemetryEventOf<'DeviceInventoryRequested'> {
  return {
    type: 'DeviceInventoryRequested',
    data: {
      gateway_id: request.gatewayId,
      home_id: request.homeId,
      request_id: request.requestId,
      requested_by: request.requestedBy,
    },
  };
}
