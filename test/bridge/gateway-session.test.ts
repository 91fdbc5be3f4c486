import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WebSocket } from 'ws';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TelemetryRecorder } from '../../src/commands/bridge/telemetry-recorder.ts';
import { GatewaySession, type SessionSettings } from '../../src/bridge/gateway-session.ts';
import type { TelemetryEvent } from '../../src/domain/bridge/telemetry-events.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { createLogger } from '../../src/logger.ts';

/** The socket side of ws that a session uses, recording what the session sends. */
class RecordingSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: Array<{ type: string; request_id?: string; payload: Record<string, unknown> }> = [];
  closedWith: number | null = null;
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code: number) {
    this.closedWith = code;
    this.readyState = 3;
  }
  ping() {}
}

/** Stores nothing; answers each append as the real recorder would, or fails it like a store that is down. */
function recorder(storeUp: () => boolean): TelemetryRecorder {
  let position = 0;
  return {
    record: async (_event: TelemetryEvent) => {
      if (!storeUp()) throw new Error('connection refused');
      position += 1;
      return encodePosition(position, position);
    },
  } as unknown as TelemetryRecorder;
}

const settings: SessionSettings = {
  heartbeatIntervalS: 30,
  heartbeatTimeoutS: 90,
  maxFrameBytes: 65_536,
  maxFramesPerSecond: 1000,
  rateLimitGraceWindows: 1,
  maxSyncBytes: 65_536,
  telemetryBytesPerMinute: 1_000_000,
  maxRefusedFrames: 3,
  refusedFramesWindowS: 60,
};

async function session(options: { onAck?: () => boolean; storeUp?: () => boolean } = {}) {
  const socket = new RecordingSocket();
  const origin = {
    gatewayId: randomUUID(),
    homeId: randomUUID(),
    nodeId: 'n1',
    remoteAddress: null,
    userAgent: null,
    credentialsRevision: 0,
  };
  const gateway = new GatewaySession(
    socket as unknown as WebSocket,
    origin,
    recorder(options.storeUp ?? (() => true)),
    settings,
    createLogger('silent'),
    options.onAck ?? (() => false),
    () => {},
  );
  await gateway.start();
  const frame = (value: unknown) => socket.emit('message', Buffer.from(JSON.stringify(value)), false);
  return { socket, gateway, frame };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('gateway session: nothing a frame does escapes the ws message handler', () => {
  it('an ack whose handling throws is answered internal_error (retry later) instead of stopping the process', async () => {
    const { socket, frame } = await session({
      onAck: () => {
        throw new TypeError('a bug in a handler');
      },
    });
    expect(() => frame({ type: 'ack', request_id: 'c1', payload: { status: 'ok' } })).not.toThrow();
    expect(socket.sent.at(-1)).toMatchObject({ type: 'error', payload: { code: 'internal_error', retry: 'later' } });
    frame({ type: 'ping', request_id: 'p' });
    expect(socket.sent.at(-1)).toMatchObject({ type: 'pong', request_id: 'p' });
  });

  it('a frame the store fails is answered store_unavailable (retry later), and repeated failures close with 4400', async () => {
    let storeUp = true;
    const { socket, frame } = await session({ storeUp: () => storeUp });
    storeUp = false;
    for (let i = 0; i < settings.maxRefusedFrames; i++)
      frame({ type: 'state', request_id: `s${i}`, payload: { device_id: 'lamp', state: {} } });
    await settled();
    const errors = socket.sent.filter((sent) => sent.type === 'error');
    expect(errors[0]).toMatchObject({ request_id: 's0', payload: { code: 'store_unavailable', retry: 'later' } });
    expect(socket.closedWith).toBe(4400);
  });
});

describe('gateway session heartbeat (fake timers: the session is in-process)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('frames keep a session open past many timeouts; silence as long as the timeout closes it with 4000', async () => {
    vi.useFakeTimers();
    const { socket, frame } = await session();
    const timeoutMs = settings.heartbeatTimeoutS * 1000;
    for (let i = 0; i < 5; i++) {
      await vi.advanceTimersByTimeAsync(timeoutMs - 1_000);
      frame({ type: 'ping', request_id: `hb${i}` });
      expect(socket.sent.at(-1)).toMatchObject({ type: 'pong', request_id: `hb${i}` });
    }
    expect(socket.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(timeoutMs - 1);
    expect(socket.closedWith).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.closedWith).toBe(4000);
  });
});
