import { describe, expect, it } from 'vitest';
import { fieldReportTimeOf } from '../../src/bridge/field-report-time.ts';

const receivedAt = new Date('2026-03-01T09:00:00.000Z');

describe('the field edge’s state_update timestamp', () => {
  it('a time without a zone (the edge’s local time) is kept as given and never read as UTC: the receive time orders it', () => {
    expect(fieldReportTimeOf('2026-03-01T10:00:00.123456', receivedAt)).toEqual({
      reported_at: receivedAt.toISOString(),
      device_time_raw: '2026-03-01T10:00:00.123456',
      device_time_without_zone: true,
    });
  });

  it('a time with an offset is an instant, and orders the report when believable', () => {
    expect(fieldReportTimeOf('2026-03-01T09:59:00+01:00', receivedAt)).toEqual({
      reported_at: '2026-03-01T08:59:00.000Z',
      device_time_raw: '2026-03-01T09:59:00+01:00',
    });
  });

  it('an offset time from an unset clock (1970) is kept and flagged, ordered by receive time', () => {
    expect(fieldReportTimeOf('1970-01-01T00:00:10Z', receivedAt)).toEqual({
      reported_at: receivedAt.toISOString(),
      device_ts: 10,
      clock_skewed: true,
      device_time_raw: '1970-01-01T00:00:10Z',
    });
  });

  it('text that is no time, or an offset time before 1970, is kept and flagged, never refused', () => {
    for (const raw of ['yesterday', '0000-01-01T00:00:00+01:00']) {
      expect(fieldReportTimeOf(raw, receivedAt)).toEqual({
        reported_at: receivedAt.toISOString(),
        device_time_raw: raw,
        clock_skewed: true,
      });
    }
  });

  it('no timestamp: the receive time', () => {
    expect(fieldReportTimeOf(null, receivedAt)).toEqual({ reported_at: receivedAt.toISOString() });
  });
});
