import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { deviceInventoryReported, deviceStatesReported } from '../commands/bridge/telemetry-events.ts';
import type { TelemetryEvent } from '../domain/bridge/telemetry-events.ts';
import { fieldReportTimeOf } from './field-report-time.ts';
import { COMMAND_REPLY_FRAMES } from './frame-rate-limiter.ts';
import type { BridgeDialect } from './gateway-handshake.ts';
import { GatewaySession } from './gateway-session.ts';
import type { OutgoingCommand } from './gateway-session-types.ts';
import type { CloudErrorCode, InboundAckFrame, ProtocolIssue } from './protocol/index.ts';
import {
  buildFieldCommand,
  buildFieldPong,
  buildGetDevices,
  parseFieldFrame,
  type FieldInboundFrame,
} from './protocol/field/index.ts';

/** Recorded in `BridgeSessionOpened.protocol_version`: the audit history shows which dialect a session spoke. */
export const FIELD_PROTOCOL_VERSION = 'field-1';

/** The request id of the inventory asked for on connect (the Django original's, which field edges have seen). */
export const SYNC_ON_CONNECT = 'sync_on_connect';

/**
 * Field edges ping every 30 s, the first time 30 s after connecting, and know nothing of our welcome's interval:
 * a field session tolerates two missed pings (and a margin) whatever HEARTBEAT_TIMEOUT_S says.
 */
export const FIELD_MIN_HEARTBEAT_TIMEOUT_S = 75;

/** How many inventory requests a session remembers, to tell an inventory failure from a command failure. */
const REMEMBERED_INVENTORY_REQUESTS = 32;

/**
 * A session in the field dialect (`/ws/gateway/`): the edge servers already in homes (`core/cloud_client.py`).
 * Sessions, limits, heartbeat, revocation and telemetry recording are the `/bridge/` session's; what differs is
 * the wire: `get_devices` instead of `welcome`, no acks for telemetry, commands as `control_entity`/`run_scene`,
 * and no `error` frames back (the edge ignores unknown types), so a refused frame is logged and counted only.
 */
export class FieldGatewaySession extends GatewaySession {
  /** Inventory requests sent and not yet answered, to tell an inventory failure from a command failure. */
  private readonly inventoryRequests = new LRUCache<string, true>({ max: REMEMBERED_INVENTORY_REQUESTS });

  override get dialect(): BridgeDialect {
    return 'field';
  }

  protected override get protocolVersion(): string {
    return FIELD_PROTOCOL_VERSION;
  }

  protected override get heartbeatTimeoutS(): number {
    return Math.max(this.settings.heartbeatTimeoutS, FIELD_MIN_HEARTBEAT_TIMEOUT_S);
  }

  protected override greet(): void {
    this.requestInventory(SYNC_ON_CONNECT);
  }

  override requestInventory(requestId: string): boolean {
    this.inventoryRequests.set(requestId, true);
    return this.sendExpectingReplies(buildGetDevices(requestId), 1);
  }

  override sendCommand(command: OutgoingCommand): boolean {
    return this.sendExpectingReplies(buildFieldCommand(command), COMMAND_REPLY_FRAMES);
  }

  protected override handleText(text: string, frameBytes: number): void {
    const parsed = parseFieldFrame(text, this.settings.maxFrameBytes);
    this.metrics.frameIn(this.dialect, parsed.ok ? parsed.frame.type : 'invalid');
    if (!parsed.ok) {
      this.refuse(parsed.error.request_id, parsed.error.code, parsed.error.message, parsed.error.issues);
      return;
    }
    this.handleField(parsed.frame, frameBytes);
  }

  private handleField(frame: FieldInboundFrame, frameBytes: number): void {
    switch (frame.type) {
      case 'ping':
        this.send(buildFieldPong(frame.timestamp));
        return;
      case 'sync_request':
        this.requestInventory(`sync_${randomUUID()}`);
        return;
      case 'devices_response':
        this.storeTelemetry(frame.request_id, frameBytes, this.inventoryEvent(frame.request_id, frame.entities));
        return;
      case 'state_update': {
        // The frame has no request_id: the event (and the causation of its metadata) gets one of ours.
        const requestId = `state_update_${randomUUID()}`;
        this.storeTelemetry(
          requestId,
          frameBytes,
          this.stateEvent(requestId, frame.entity_id, frame.state, frame.timestamp),
        );
        return;
      }
      case 'ack':
        this.commandOutcome(
          frame.request_id,
          frame.ok ? { status: 'ok', result: { message: frame.message } } : this.failure(frame.message),
        );
        return;
      case 'error':
        this.edgeError(frame.request_id, frame.message);
        return;
    }
  }

  private inventoryEvent(
    requestId: string,
    entities: Extract<FieldInboundFrame, { type: 'devices_response' }>['entities'],
  ): TelemetryEvent {
    this.inventoryRequests.delete(requestId);
    return deviceInventoryReported(this.identity, requestId, entities);
  }

  private stateEvent(requestId: string, entityId: string, state: unknown, timestamp: string | null): TelemetryEvent {
    const device = { device_id: entityId, state, ...fieldReportTimeOf(timestamp, new Date()) };
    return deviceStatesReported(this.identity, requestId, [device]);
  }

  /**
   * The edge's `error`: the failure of a command it was sent, or of an inventory it was asked for (`get_devices`
   * failed on the edge: logged, it is no command's outcome).
   */
  private edgeError(requestId: string | null, message: string): void {
    if (requestId === null || this.inventoryRequests.delete(requestId) || requestId === SYNC_ON_CONNECT) {
      this.logger.warn(
        { session_id: this.sessionId, gateway_id: this.gatewayId, request_id: requestId, edge_message: message },
        'field edge reported an error',
      );
      return;
    }
    this.commandOutcome(requestId, this.failure(message));
  }

  private failure(message: string): InboundAckFrame['payload'] {
    return {
      status: 'error',
      error: { code: 'edge_error', message: message || 'The gateway reported an error without details' },
    };
  }

  private commandOutcome(requestId: string, payload: InboundAckFrame['payload']): void {
    const frame: InboundAckFrame = { type: 'ack', request_id: requestId, timestamp: null, dialect: 'legacy', payload };
    if (!this.onCommandAck(this, requestId, frame)) {
      this.logger.warn(
        { session_id: this.sessionId, request_id: requestId },
        'field edge answered a request that is no command',
      );
    }
  }

  /** The field edge ignores frame types it does not know: never send it our `error`, log instead. */
  protected override acknowledgeStored(): void {}

  protected override sendError(
    requestId: string | null,
    code: CloudErrorCode,
    message: string,
    issues?: readonly ProtocolIssue[],
  ): void {
    this.logger.warn(
      {
        session_id: this.sessionId,
        gateway_id: this.gatewayId,
        request_id: requestId,
        code,
        why: message,
        issues: issues?.slice(0, 3),
      },
      'field edge frame refused',
    );
  }
}
