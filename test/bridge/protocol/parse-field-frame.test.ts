import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retryOf } from '../../../src/bridge/protocol/index.ts';
import { buildFieldCommand, parseFieldFrame } from '../../../src/bridge/protocol/field/index.ts';
import { hostileFieldFrame } from '../../support/hostile-field-frames.ts';

const parse = (frame: unknown) => parseFieldFrame(JSON.stringify(frame));

describe('field dialect parser (the edge’s core/cloud_client.py frames)', () => {
  it('a devices_response becomes inventory entities with id → entity_id, states kept exactly as sent', () => {
    const result = parse({
      type: 'devices_response',
      request_id: 'sync_on_connect',
      devices: [
        { id: '12', name: 'Temperature', entity_type: 'sensor', state: '21.5', device_name: 'Living room' },
        {
          id: '13',
          name: 'Lamp',
          entity_type: 'light',
          state: { power: 'ON' },
          device_name: 'Hall',
          unit: null,
          is_controllable: true,
          capabilities: ['power'],
        },
      ],
    });
    expect(result).toEqual({
      ok: true,
      frame: {
        type: 'devices_response',
        request_id: 'sync_on_connect',
        entities: [
          { entity_id: '12', name: 'Temperature', entity_type: 'sensor', state: '21.5', device_name: 'Living room' },
          {
            entity_id: '13',
            name: 'Lamp',
            entity_type: 'light',
            state: { power: 'ON' },
            device_name: 'Hall',
            unit: null,
            is_controllable: true,
            capabilities: ['power'],
          },
        ],
      },
    });
  });

  it('a state_update with an integer entity id and a naive timestamp keeps the timestamp as text', () => {
    expect(
      parse({ type: 'state_update', entity_id: 12, state: 'ON', timestamp: '2026-03-01T10:00:00.123456' }),
    ).toEqual({
      ok: true,
      frame: { type: 'state_update', entity_id: '12', state: 'ON', timestamp: '2026-03-01T10:00:00.123456' },
    });
  });

  it('a state_update whose state is null is a state (the edge may report one), a missing state is not', () => {
    expect(parse({ type: 'state_update', entity_id: '1', state: null }).ok).toBe(true);
    expect(parse({ type: 'state_update', entity_id: '1' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_frame' },
    });
  });

  it('ack success and error frames carry the message; a long message is cut, not refused', () => {
    expect(parse({ type: 'ack', request_id: 'c1', status: 'success', message: 'Command sent to Lamp' })).toEqual({
      ok: true,
      frame: { type: 'ack', request_id: 'c1', ok: true, message: 'Command sent to Lamp' },
    });
    const long = parse({ type: 'error', request_id: 'c2', message: 'x'.repeat(5000) });
    expect(long.ok && long.frame.type === 'error' && long.frame.message.length).toBe(1000);
    expect(parse({ type: 'error', message: 'no request' })).toEqual({
      ok: true,
      frame: { type: 'error', request_id: null, message: 'no request' },
    });
  });

  it('the edge’s ping with a naive ISO timestamp is accepted', () => {
    expect(parse({ type: 'ping', timestamp: '2026-03-01T10:00:30.5' })).toEqual({
      ok: true,
      frame: { type: 'ping', timestamp: '2026-03-01T10:00:30.5' },
    });
  });

  it('a frame type of our /bridge/ protocol is unknown here', () => {
    expect(parse({ type: 'state', request_id: 'x', payload: {} })).toMatchObject({
      ok: false,
      error: { code: 'unknown_type' },
    });
  });

  it('never throws on any text, and refuses hostile field frames with a never-retry code (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          expect(typeof parseFieldFrame(text).ok).toBe('boolean');
        },
      ),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(hostileFieldFrame, (text) => {
        const result = parseFieldFrame(text);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(retryOf(result.error.code)).toBe('never');
      }),
      { numRuns: 500 },
    );
  });
});

describe('field dialect commands', () => {
  it('an entity command goes out as control_entity with the numeric id the edge looks up, value only when given', () => {
    expect(buildFieldCommand({ commandId: 'c', deviceId: '12', action: 'power', params: { value: 'ON' } })).toEqual({
      type: 'control_entity',
      request_id: 'c',
      entity_id: 12,
      command: 'power',
      value: 'ON',
    });
    expect(buildFieldCommand({ commandId: 'c', deviceId: 'kitchen-lamp', action: 'turn_on', params: {} })).toEqual({
      type: 'control_entity',
      request_id: 'c',
      entity_id: 'kitchen-lamp',
      command: 'turn_on',
    });
  });

  it('scene:<id> with run_scene goes out as run_scene', () => {
    expect(buildFieldCommand({ commandId: 'c', deviceId: 'scene:4', action: 'run_scene', params: {} })).toEqual({
      type: 'run_scene',
      request_id: 'c',
      scene_id: 4,
    });
  });
});
