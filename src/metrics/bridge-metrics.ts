import { Counter, Gauge, type Registry } from 'prom-client';
import type { BridgeMetrics, HandshakeOutcome, LateAdmissionOutcome } from '../bridge/bridge-metrics.ts';
import type { BridgeDialect } from '../bridge/gateway-handshake.ts';
import { INBOUND_FRAME_TYPES, OUTBOUND_FRAME_TYPES } from '../bridge/protocol/frame-types.ts';
import type { FieldInboundFrame, FieldOutboundFrame } from '../bridge/protocol/field/field-frames.ts';

const DIALECTS: readonly BridgeDialect[] = ['bridge', 'field'];
const HANDSHAKE_OUTCOMES: readonly HandshakeOutcome[] = ['accepted', 'unauthorized', 'throttled', 'not_found', 'error'];
const LATE_ADMISSION_OUTCOMES: readonly LateAdmissionOutcome[] = ['kept', 'refused'];
const FIELD_INBOUND = [
  'ping',
  'devices_response',
  'state_update',
  'ack',
  'error',
  'sync_request',
] as const satisfies readonly FieldInboundFrame['type'][];
const FIELD_OUTBOUND = [
  'pong',
  'get_devices',
  'control_entity',
  'run_scene',
] as const satisfies readonly FieldOutboundFrame['type'][];
/** The `type` label's values: every frame type of both dialects, `invalid` (unparsable) and `other`. */
const INBOUND_TYPES = new Set<string>([...INBOUND_FRAME_TYPES, ...FIELD_INBOUND, 'invalid', 'other']);
const OUTBOUND_TYPES = new Set<string>([...OUTBOUND_FRAME_TYPES, ...FIELD_OUTBOUND, 'other']);

type FrameChildren = Map<BridgeDialect, Map<string, Counter.Internal>>;

/** The children of every (dialect, known type), made once: counting a frame is two map lookups and an increment. */
function frameChildren(counter: Counter<'dialect' | 'type'>, types: ReadonlySet<string>): FrameChildren {
  const children: FrameChildren = new Map();
  for (const dialect of DIALECTS) {
    children.set(dialect, new Map([...types].map((type) => [type, counter.labels({ dialect, type })])));
  }
  return children;
}

function count(children: FrameChildren, dialect: BridgeDialect, type: string): void {
  const byType = children.get(dialect)!;
  (byType.get(type) ?? byType.get('other')!).inc();
}

/**
 * The bridge's series: handshakes by outcome, frames in and out by dialect and type, open sessions by dialect, and
 * cached admissions the credential follower was too late for.
 */
export class PromBridgeMetrics implements BridgeMetrics {
  private readonly handshakes = new Map<HandshakeOutcome, Counter.Internal>();
  private readonly lateAdmissions = new Map<LateAdmissionOutcome, Counter.Internal>();
  private readonly framesIn: FrameChildren;
  private readonly framesOut: FrameChildren;
  private openSessions: () => Record<BridgeDialect, number> = () => ({ bridge: 0, field: 0 });

  constructor(registry: Registry) {
    const handshakes = new Counter({
      name: 'smarthome_bridge_handshakes_total',
      help: 'Gateway WebSocket upgrades by outcome (accepted, unauthorized, throttled, not_found, error)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of HANDSHAKE_OUTCOMES) this.handshakes.set(outcome, handshakes.labels({ outcome }));
    const lateAdmissions = new Counter({
      name: 'smarthome_bridge_late_admissions_total',
      help:
        'Reconnects on a cached credential check the credential follower did not confirm in time, so the gateway ' +
        'stream was read: kept (credentials hold) or refused (revoked or unknown, closed 4401)',
      labelNames: ['outcome'],
      registers: [registry],
    });
    for (const outcome of LATE_ADMISSION_OUTCOMES) this.lateAdmissions.set(outcome, lateAdmissions.labels({ outcome }));
    const frames = (direction: string) =>
      new Counter({
        name: `smarthome_bridge_frames_${direction}_total`,
        help: `Gateway frames ${direction === 'in' ? 'received' : 'sent'}, by dialect and frame type (other: unknown)`,
        labelNames: ['dialect', 'type'],
        registers: [registry],
      });
    this.framesIn = frameChildren(frames('in'), INBOUND_TYPES);
    this.framesOut = frameChildren(frames('out'), OUTBOUND_TYPES);
    const sessions = () => this.openSessions();
    new Gauge({
      name: 'smarthome_bridge_sessions_open',
      help: 'Gateway sessions open on this process, by dialect',
      labelNames: ['dialect'],
      registers: [registry],
      collect() {
        const counts = sessions();
        for (const dialect of DIALECTS) this.set({ dialect }, counts[dialect]);
      },
    });
  }

  /** Where the open-sessions gauge reads from at scrape time (the bridge, once it exists). */
  watchSessions(openSessions: () => Record<BridgeDialect, number>): void {
    this.openSessions = openSessions;
  }

  handshake(outcome: HandshakeOutcome): void {
    this.handshakes.get(outcome)?.inc();
  }

  lateAdmission(outcome: LateAdmissionOutcome): void {
    this.lateAdmissions.get(outcome)?.inc();
  }

  frameIn(dialect: BridgeDialect, type: string): void {
    count(this.framesIn, dialect, type);
  }

  frameOut(dialect: BridgeDialect, type: string): void {
    count(this.framesOut, dialect, type);
  }
}
