import { describe, expect, it } from 'vitest';
import { orderingTimeOf, reportTimeOf } from '../../../src/domain/bridge/device-report-time.ts';

const received = new Date('2026-03-01T12:00:00.000Z');
const seconds = (iso: string) => Date.parse(iso) / 1000;

describe('device-reported time (ts) against the server clock', () => {
  it('a believable ts orders the report; no ts means the receive time', () => {
    expect(reportTimeOf(seconds('2026-03-01T11:59:00Z'), received)).toEqual({
      reported_at: '2026-03-01T11:59:00.000Z',
    });
    expect(reportTimeOf(seconds('2025-06-01T00:00:00Z'), received)).toEqual({
      reported_at: '2025-06-01T00:00:00.000Z',
    });
    expect(reportTimeOf(null, received)).toEqual({ reported_at: received.toISOString() });
  });

  it('a year-9999, 1970 or more-than-a-day-ahead ts is kept, flagged, and the report is ordered by receive time', () => {
    for (const ts of [253_402_300_799, 0, 86_400, seconds('2026-03-02T12:00:01Z'), seconds('1999-12-31T23:59:59Z')]) {
      expect(reportTimeOf(ts, received)).toEqual({
        reported_at: received.toISOString(),
        device_ts: ts,
        clock_skewed: true,
      });
    }
  });

  it('a ts that is no number a Date can hold (1e300) never throws', () => {
    expect(reportTimeOf(1e300, received)).toEqual({
      reported_at: received.toISOString(),
      device_ts: 1e300,
      clock_skewed: true,
    });
  });

  it('a stored year-9999 reported_at orders no later than a day after it was stored', () => {
    expect(orderingTimeOf('9999-12-31T23:59:59.000Z', received).toISOString()).toBe('2026-03-02T12:00:00.000Z');
    expect(orderingTimeOf('2026-03-01T11:00:00.000Z', received).toISOString()).toBe('2026-03-01T11:00:00.000Z');
  });
});
