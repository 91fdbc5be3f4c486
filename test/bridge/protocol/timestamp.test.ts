import { describe, expect, it } from 'vitest';
import { isoDateTimeToUnixSeconds, unixSecondsToIsoDateTime } from '../../../src/bridge/protocol/index.ts';

describe('ISO-8601 timestamps from field gateways', () => {
  it('reads UTC, offsets, fractions and Python-style variants', () => {
    expect(isoDateTimeToUnixSeconds('2024-12-27T08:26:40Z')).toBe(1735288000);
    expect(isoDateTimeToUnixSeconds('2024-12-27T10:26:40+02:00')).toBe(1735288000);
    expect(isoDateTimeToUnixSeconds('2024-12-27T08:26:40.250000+00:00')).toBe(1735288000.25);
    expect(isoDateTimeToUnixSeconds('2024-12-27 08:26:40')).toBe(1735288000);
  });

  it('reads a naive date-time as UTC, whatever the server time zone', () => {
    expect(isoDateTimeToUnixSeconds('2024-12-27T08:26:40')).toBe(1735288000);
  });

  it('refuses what is not an ISO date-time', () => {
    expect(isoDateTimeToUnixSeconds('yesterday')).toBeNaN();
    expect(isoDateTimeToUnixSeconds('Fri, 27 Dec 2024 08:26:40 GMT')).toBeNaN();
    expect(isoDateTimeToUnixSeconds('2024-13-27T08:26:40Z')).toBeNaN();
  });

  it('formats Unix seconds back to ISO', () => {
    expect(unixSecondsToIsoDateTime(1735288000)).toBe('2024-12-27T08:26:40.000Z');
  });
});
