import {
  bridgeSessionClosed,
  bridgeSessionOpened,
  type SessionIdentity,
  type SessionOpening,
} from '../commands/bridge/telemetry-events.ts';
import type { TelemetryWriter } from '../commands/bridge/telemetry-recorder.ts';
import type { SessionCloseReason, TelemetryEvent } from '../domain/bridge/telemetry-events.ts';
import type { Position } from '../eventstore/port.ts';
import type { SessionContextFactory } from './session-context.ts';

/**
 * What a session records about itself: its opening, its frames' events, and its end with the frames it counted.
 * The session decides when; this knows how (the events, their metadata, the recorder).
 */
export class SessionTelemetry {
  readonly startedAt = Date.now();
  private framesIn = 0;
  private framesOut = 0;

  constructor(
    private readonly recorder: TelemetryWriter,
    private readonly session: SessionIdentity,
    private readonly contexts: SessionContextFactory,
  ) {}

  countFrameIn(): void {
    this.framesIn += 1;
  }

  countFrameOut(): void {
    this.framesOut += 1;
  }

  /** `BridgeSessionOpened`; where it lands orders this session against events from other processes. */
  recordOpened(opening: SessionOpening): Promise<Position> {
    return this.recorder.record(bridgeSessionOpened(this.session, opening), this.contexts.forGateway());
  }

  /** An event a gateway frame (`requestId`) caused. */
  recordFromGateway(event: TelemetryEvent, requestId: string): Promise<Position> {
    return this.recorder.record(event, this.contexts.forGateway(requestId));
  }

  recordClosed(reason: SessionCloseReason): Promise<Position> {
    const ending = {
      reason,
      startedAtMs: this.startedAt,
      endedAtMs: Date.now(),
      framesIn: this.framesIn,
      framesOut: this.framesOut,
    };
    return this.recorder.record(bridgeSessionClosed(this.session, ending), this.contexts.forClose(reason));
  }
}
