import { describe, expect, it } from 'vitest';
import {
  buildAck,
  buildCommand,
  buildError,
  buildPong,
  buildWelcome,
  encodeFrame,
  parseOutboundFrame,
  type OutboundFrame,
} from '../../../src/bridge/protocol/index.ts';

const T = 1735288000;

/** Tests read `payload` without narrowing first; a frame without one simply has it undefined. */
function parsed(value: unknown): OutboundFrame & { payload?: unknown } {
  const result = parseOutboundFrame(typeof value === 'string' ? value : JSON.stringify(value));
  if (!result.ok) throw new Error(`expected a frame, got ${JSON.stringify(result.error)}`);
  return result.frame;
}

describe('cloud builders', () => {
  it('command carries both dialects’ field names', () => {
    expect(
      buildCommand({ commandId: 'cmd-1', timestamp: T, deviceId: 'lamp', action: 'set', params: { brightness: 30 } }),
    ).toEqual({
      type: 'command',
      request_id: 'cmd-1',
      timestamp: T,
      payload: {
        device_id: 'lamp',
        action: 'set',
        params: { brightness: 30 },
        entity_id: 'lamp',
        value: { brightness: 30 },
      },
    });
  });

  it('welcome puts server time in the payload', () => {
    expect(buildWelcome({ requestId: 'w', timestamp: T, sessionId: 'sess', heartbeatIntervalS: 30 }).payload).toEqual({
      session_id: 'sess',
      heartbeat_interval_s: 30,
      server_time: T,
    });
  });

  it('pong echoes the ping id, and omits it for a legacy ping', () => {
    expect(buildPong({ requestId: 'p1', timestamp: T })).toMatchObject({ request_id: 'p1' });
    expect(buildPong({ requestId: null, timestamp: T })).not.toHaveProperty('request_id');
  });

  it('ack defaults to ok; error carries the detail', () => {
    expect(buildAck({ requestId: 's1', timestamp: T }).payload).toEqual({ status: 'ok' });
    expect(
      buildAck({ requestId: 's1', timestamp: T, outcome: { status: 'error', error: { code: 'x', message: 'y' } } })
        .payload,
    ).toEqual({ status: 'error', error: { code: 'x', message: 'y' } });
  });
});

describe('parseOutboundFrame', () => {
  it('round-trips every cloud builder', () => {
    expect(
      parsed(encodeFrame(buildWelcome({ requestId: 'w', timestamp: T, sessionId: 's', heartbeatIntervalS: 0.05 }))),
    ).toEqual({
      type: 'welcome',
      request_id: 'w',
      timestamp: T,
      payload: { session_id: 's', heartbeat_interval_s: 0.05, server_time: T },
    });
    expect(parsed(encodeFrame(buildPong({ requestId: null, timestamp: T })))).toEqual({
      type: 'pong',
      request_id: null,
      timestamp: T,
    });
    expect(parsed(encodeFrame(buildAck({ requestId: 'a', timestamp: T })))).toEqual({
      type: 'ack',
      request_id: 'a',
      timestamp: T,
      payload: { status: 'ok' },
    });
    expect(
      parsed(
        encodeFrame(buildError({ requestId: null, timestamp: T, error: { code: 'invalid_frame', message: 'm' } })),
      ),
    ).toEqual({
      type: 'error',
      request_id: null,
      timestamp: T,
      payload: { code: 'invalid_frame', message: 'm', retry: 'never' },
    });
    expect(
      parsed(encodeFrame(buildCommand({ commandId: 'c', timestamp: T, deviceId: 'lamp', action: 'turn_on' }))),
    ).toEqual({
      type: 'command',
      request_id: 'c',
      timestamp: T,
      payload: { device_id: 'lamp', action: 'turn_on', params: {} },
    });
  });

  it('reads a command that only has the legacy names', () => {
    expect(
      parsed({ type: 'command', request_id: 'c', payload: { entity_id: 'lamp', action: 'set', value: { on: true } } })
        .payload,
    ).toEqual({ device_id: 'lamp', action: 'set', params: { on: true } });
  });

  it('refuses a command that names no device', () => {
    const result = parseOutboundFrame(
      JSON.stringify({ type: 'command', request_id: 'c', payload: { action: 'turn_on' } }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_frame', request_id: 'c' } });
  });

  it('reads a legacy ack from the cloud too', () => {
    expect(parsed({ type: 'ack', request_id: 'a', status: 'success' }).payload).toEqual({ status: 'ok' });
  });

  it('refuses edge-only types and oversized frames', () => {
    expect(parseOutboundFrame(JSON.stringify({ type: 'state', request_id: 's' }))).toMatchObject({
      ok: false,
      error: { code: 'unknown_type' },
    });
    expect(parseOutboundFrame(JSON.stringify({ type: 'pong' }), 5)).toMatchObject({
      ok: false,
      error: { code: 'frame_too_large' },
    });
    expect(parseOutboundFrame('pong')).toMatchObject({ ok: false, error: { code: 'invalid_json' } });
  });

  it('refuses a welcome without a usable heartbeat interval', () => {
    const result = parseOutboundFrame(
      JSON.stringify({ type: 'welcome', payload: { session_id: 's', heartbeat_interval_s: 0, server_time: T } }),
    );
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_frame', issues: [{ path: ['payload', 'heartbeat_interval_s'] }] },
    });
  });
});
