import { describe, expect, it } from 'vitest';
import {
  buildCommandAck,
  buildPing,
  buildStateFrame,
  buildSyncFrame,
  encodeFrame,
  parseInboundFrame,
  type InboundFrame,
  type ProtocolError,
} from '../../../src/bridge/protocol/index.ts';

const T = 1735288000;
const ISO = '2024-12-27T08:26:40Z';

/** Tests read `payload` without narrowing first; a frame without one simply has it undefined. */
function parsed(value: unknown): InboundFrame & { payload?: unknown } {
  const result = parseInboundFrame(typeof value === 'string' ? value : JSON.stringify(value));
  if (!result.ok) throw new Error(`expected a frame, got ${JSON.stringify(result.error)}`);
  return result.frame;
}

function refused(value: unknown, maxBytes?: number): ProtocolError {
  const result = parseInboundFrame(typeof value === 'string' ? value : JSON.stringify(value), maxBytes);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.frame)}`);
  return result.error;
}

describe('parseInboundFrame: ping', () => {
  it('reads a current ping', () => {
    expect(parsed({ type: 'ping', request_id: 'r1', timestamp: T, payload: {} })).toEqual({
      type: 'ping',
      request_id: 'r1',
      timestamp: T,
      dialect: 'current',
    });
  });

  it('reads a legacy ping: ISO timestamp, no request_id', () => {
    expect(parsed({ type: 'ping', timestamp: ISO })).toEqual({
      type: 'ping',
      request_id: null,
      timestamp: T,
      dialect: 'legacy',
    });
  });

  it('normalises a missing or null timestamp to null', () => {
    expect(parsed({ type: 'ping', request_id: 'r1' })).toMatchObject({ timestamp: null });
    expect(parsed({ type: 'ping', request_id: 'r1', timestamp: null })).toMatchObject({ timestamp: null });
  });
});

describe('parseInboundFrame: state', () => {
  it('reads a single-device payload as a one-element list', () => {
    const frame = parsed({
      type: 'state',
      request_id: 's1',
      timestamp: T,
      payload: { device_id: 'lamp', state: { on: true } },
    });
    expect(frame).toEqual({
      type: 'state',
      request_id: 's1',
      timestamp: T,
      dialect: 'current',
      payload: { devices: [{ device_id: 'lamp', state: { on: true }, ts: null }] },
    });
  });

  it('reads a batch with per-device ISO timestamps (legacy)', () => {
    const frame = parsed({
      type: 'state',
      request_id: 's2',
      timestamp: ISO,
      payload: {
        devices: [
          { device_id: 'lamp', state: { on: false }, ts: ISO },
          { device_id: 'thermo', state: { temperature: 21.5 }, ts: T - 5 },
        ],
      },
    });
    expect(frame).toMatchObject({
      dialect: 'legacy',
      timestamp: T,
      payload: {
        devices: [
          { device_id: 'lamp', ts: T },
          { device_id: 'thermo', ts: T - 5 },
        ],
      },
    });
  });

  it('requires a request_id, because the cloud acks it', () => {
    const error = refused({ type: 'state', timestamp: T, payload: { device_id: 'lamp', state: {} } });
    expect(error.code).toBe('invalid_frame');
    expect(error.issues?.map((issue) => issue.path)).toContainEqual(['request_id']);
  });

  it('refuses an empty batch and a non-object state, pointing at the field', () => {
    expect(refused({ type: 'state', request_id: 's', payload: { devices: [] } }).issues?.[0]?.path).toEqual([
      'payload',
      'devices',
    ]);
    const error = refused({ type: 'state', request_id: 's', payload: { device_id: 'lamp', state: 'on' } });
    expect(error).toMatchObject({ code: 'invalid_frame', request_id: 's' });
    expect(error.issues?.[0]?.path).toEqual(['payload', 'state']);
  });
});

describe('parseInboundFrame: sync', () => {
  it('keeps the snapshot as an opaque object', () => {
    const snapshot = { devices: [{ id: 'lamp' }], rooms: [{ id: 'kitchen' }], scenes: [] };
    expect(parsed({ type: 'sync', request_id: 'y1', timestamp: T, payload: snapshot })).toEqual({
      type: 'sync',
      request_id: 'y1',
      timestamp: T,
      dialect: 'current',
      payload: snapshot,
    });
  });

  it('refuses a snapshot that is not an object', () => {
    expect(refused({ type: 'sync', request_id: 'y1', payload: [1, 2] }).code).toBe('invalid_frame');
  });
});

describe('parseInboundFrame: ack, both dialects normalised', () => {
  it('current ok with result', () => {
    expect(
      parsed({ type: 'ack', request_id: 'c1', timestamp: T, payload: { status: 'ok', result: { on: true } } }),
    ).toEqual({
      type: 'ack',
      request_id: 'c1',
      timestamp: T,
      dialect: 'current',
      payload: { status: 'ok', result: { on: true } },
    });
  });

  it('current error: string or object error, or none at all', () => {
    expect(
      parsed({ type: 'ack', request_id: 'c1', payload: { status: 'error', error: 'device offline' } }).payload,
    ).toEqual({ status: 'error', error: { code: 'edge_error', message: 'device offline' } });
    expect(
      parsed({
        type: 'ack',
        request_id: 'c1',
        payload: { status: 'error', error: { code: 'offline', message: 'gone' } },
      }).payload,
    ).toEqual({ status: 'error', error: { code: 'offline', message: 'gone' } });
    expect(parsed({ type: 'ack', request_id: 'c1', payload: { status: 'error' } }).payload).toMatchObject({
      status: 'error',
      error: { code: 'edge_error' },
    });
  });

  it('legacy success → ok with data as result', () => {
    expect(
      parsed({ type: 'ack', request_id: 'c2', timestamp: ISO, status: 'success', data: { brightness: 40 } }),
    ).toEqual({
      type: 'ack',
      request_id: 'c2',
      timestamp: T,
      dialect: 'legacy',
      payload: { status: 'ok', result: { brightness: 40 } },
    });
  });

  it('legacy error → error detail read from data.error / data.message / data.code', () => {
    expect(
      parsed({ type: 'ack', request_id: 'c3', status: 'error', data: { error: 'no such device' } }).payload,
    ).toEqual({ status: 'error', error: { code: 'edge_error', message: 'no such device' } });
    expect(
      parsed({ type: 'ack', request_id: 'c3', status: 'error', data: { code: 'busy', message: 'try later' } }).payload,
    ).toEqual({ status: 'error', error: { code: 'busy', message: 'try later' } });
  });

  it('refuses a dialect-mixed status value', () => {
    const error = refused({ type: 'ack', request_id: 'c4', status: 'ok' });
    expect(error.code).toBe('invalid_frame');
    expect(error.issues?.[0]?.path).toEqual(['status']);
  });
});

describe('parseInboundFrame: round trip of the edge builders', () => {
  for (const dialect of ['current', 'legacy'] as const) {
    it(`${dialect}: ping, state, sync and command acks parse back`, () => {
      const ping = parsed(encodeFrame(buildPing({ dialect, requestId: 'p', timestamp: T })));
      expect(ping).toEqual({ type: 'ping', request_id: dialect === 'legacy' ? null : 'p', timestamp: T, dialect });

      const state = parsed(
        encodeFrame(
          buildStateFrame({
            dialect,
            requestId: 's',
            timestamp: T,
            devices: [{ deviceId: 'lamp', state: { on: true }, ts: T }],
          }),
        ),
      );
      expect(state).toMatchObject({
        dialect,
        payload: { devices: [{ device_id: 'lamp', state: { on: true }, ts: T }] },
      });

      const sync = parsed(
        encodeFrame(buildSyncFrame({ dialect, requestId: 'y', timestamp: T, snapshot: { rooms: [] } })),
      );
      expect(sync).toMatchObject({ type: 'sync', timestamp: T, payload: { rooms: [] } });

      const ok = parsed(
        encodeFrame(
          buildCommandAck({ dialect, commandId: 'c', timestamp: T, outcome: { status: 'ok', result: { on: true } } }),
        ),
      );
      expect(ok).toEqual({
        type: 'ack',
        request_id: 'c',
        timestamp: T,
        dialect,
        payload: { status: 'ok', result: { on: true } },
      });

      const failed = parsed(
        encodeFrame(
          buildCommandAck({
            dialect,
            commandId: 'c',
            timestamp: T,
            outcome: { status: 'error', error: { code: 'unknown_device', message: 'no lamp 9' } },
          }),
        ),
      );
      expect(failed.payload).toEqual({ status: 'error', error: { code: 'unknown_device', message: 'no lamp 9' } });
    });
  }
});

describe('parseInboundFrame: error codes', () => {
  it('frame_too_large, checked on UTF-8 bytes before parsing', () => {
    const text = JSON.stringify({ type: 'sync', request_id: 'y', payload: { name: 'é'.repeat(100) } });
    expect(refused(text, 150)).toMatchObject({ code: 'frame_too_large', request_id: null });
    expect(parseInboundFrame(text, 1000).ok).toBe(true);
  });

  it('frame_too_large at the 256 KiB default', () => {
    const text = JSON.stringify({ type: 'sync', request_id: 'y', payload: { blob: 'x'.repeat(256 * 1024) } });
    expect(refused(text).code).toBe('frame_too_large');
  });

  it('invalid_json', () => {
    expect(refused('{"type": "ping",').code).toBe('invalid_json');
  });

  it('invalid_frame for non-objects and missing type', () => {
    expect(refused('[1,2]').code).toBe('invalid_frame');
    expect(refused('null').code).toBe('invalid_frame');
    expect(refused({ request_id: 'x' })).toMatchObject({ code: 'invalid_frame', request_id: 'x' });
  });

  it('invalid_frame carries zod issue details and a readable message', () => {
    const error = refused({ type: 'ping', request_id: 'r', timestamp: 'last tuesday' });
    expect(error.code).toBe('invalid_frame');
    expect(error.message).toContain('timestamp');
    expect(error.issues).toEqual([expect.objectContaining({ path: ['timestamp'] })]);
  });

  it('unknown_type, including cloud-only types sent by a gateway', () => {
    expect(refused({ type: 'reboot', request_id: 'z' })).toMatchObject({ code: 'unknown_type', request_id: 'z' });
    expect(refused({ type: 'command', request_id: 'z' }).code).toBe('unknown_type');
    expect(refused({ type: 'pong' }).code).toBe('unknown_type');
  });

  it('refuses negative timestamps and oversized request ids', () => {
    expect(refused({ type: 'ping', request_id: 'r', timestamp: -1 }).code).toBe('invalid_frame');
    expect(refused({ type: 'ping', request_id: 'r'.repeat(500) }).code).toBe('invalid_frame');
  });
});
