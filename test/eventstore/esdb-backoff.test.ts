import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/eventstore/esdb/backoff.ts';
import { eventTypesRegex } from '../../src/eventstore/esdb/all-filter.ts';

describe('EventStoreDB adapter helpers', () => {
  const policy = { initialDelayMs: 100, maxDelayMs: 1_000, maxAttempts: 5 };

  it('backs off exponentially up to a cap, with bounded jitter', () => {
    const middle = () => 0.5;
    expect([1, 2, 3, 4, 5, 10].map((attempt) => backoffDelay(attempt, policy, middle))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
    expect(backoffDelay(1, policy, () => 0)).toBe(80);
    expect(backoffDelay(10, policy, () => 1)).toBe(1200);
  });

  it('turns event type names into an anchored alternation that matches only those names', () => {
    const regex = new RegExp(eventTypesRegex(['Device.Renamed', 'a|b', 'x$']));
    expect(regex.source).toBe('^(Device\\.Renamed|a\\|b|x\\$)$');
    expect(['Device.Renamed', 'a|b', 'x$'].every((name) => regex.test(name))).toBe(true);
    expect(['DeviceXRenamed', 'a', 'b', 'Device.Renamed2', 'x'].some((name) => regex.test(name))).toBe(false);
  });
});
