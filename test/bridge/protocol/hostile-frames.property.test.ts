import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildCommand,
  encodeFrame,
  parseInboundFrame,
  parseOutboundFrame,
  retryOf,
} from '../../../src/bridge/protocol/index.ts';
import { hostileFrame } from '../../support/hostile-frames.ts';

describe('bridge frame parser against hostile frames (property)', () => {
  it('never throws on any text, JSON or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify(v)),
        ),
        (text) => {
          const result = parseInboundFrame(text);
          expect(typeof result.ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses huge numbers, deep nesting, NUL, surrogates and wrong types with a never-retry code', () => {
    fc.assert(
      fc.property(hostileFrame, (text) => {
        const result = parseInboundFrame(text);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(retryOf(result.error.code)).toBe('never');
        expect(result.error.message.length).toBeLessThan(4096);
      }),
      { numRuns: 500 },
    );
  });

  it('a sync frame nested 5,000 deep is refused out of bounds before anything recurses', () => {
    const nested = `${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}`;
    const result = parseInboundFrame(`{"type":"sync","request_id":"deep","payload":${nested}}`);
    expect(result).toMatchObject({ ok: false, error: { code: 'frame_out_of_bounds', request_id: 'deep' } });
  });

  it('a state frame with ts 1e300 is an invalid frame, never retried', () => {
    const result = parseInboundFrame(
      JSON.stringify({ type: 'state', request_id: 's', payload: { device_id: 'lamp', state: {}, ts: 1e300 } }),
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_frame', request_id: 's' } });
  });

  it('a year-9999 ts is still a time (the bridge keeps the report, flagged)', () => {
    const result = parseInboundFrame(
      JSON.stringify({
        type: 'state',
        request_id: 's',
        payload: { device_id: 'lamp', state: {}, ts: 253_402_300_799 },
      }),
    );
    expect(result.ok).toBe(true);
  });
});

describe('cloud → edge frames', () => {
  it('a command whose params are as deep as the API allows (32) reaches the edge', () => {
    let params: Record<string, unknown> = { level: 1 };
    for (let depth = 1; depth < 32; depth++) params = { inner: params };
    const parsed = parseOutboundFrame(
      encodeFrame(buildCommand({ commandId: 'c', timestamp: 1, deviceId: 'lamp', action: 'set', params })),
    );
    expect(parsed.ok).toBe(true);
  });
});
