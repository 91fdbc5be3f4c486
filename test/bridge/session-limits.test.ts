import { describe, expect, it } from 'vitest';
import { RefusedFrameWindow } from '../../src/bridge/refused-frame-window.ts';
import { TelemetryBudget } from '../../src/bridge/telemetry-budget.ts';

describe("a session's telemetry byte budget", () => {
  it("takes a minute's bytes in a burst, refuses beyond, refills over time", () => {
    let now = 0;
    const budget = new TelemetryBudget(60_000, 1000, 1000, () => now);
    expect(budget.spend(59_000)).toBe('within');
    expect(budget.spend(2_000)).toBe('over');
    now += 1_000; // 1,000 bytes refilled: 2,000 fit
    expect(budget.spend(2_000)).toBe('within');
  });

  it('says over_too_long when still over a grace time after the first refusal', () => {
    let now = 0;
    const budget = new TelemetryBudget(10_000, 1000, 1000, () => now);
    expect(budget.spend(10_000)).toBe('within');
    expect(budget.spend(5_000)).toBe('over');
    now += 500;
    expect(budget.spend(5_000)).toBe('over');
    now += 500;
    expect(budget.spend(5_000)).toBe('over_too_long');
  });

  it('always fits one frame of the frame-size limit, even with a smaller budget', () => {
    const budget = new TelemetryBudget(1024, 4096, 1000, () => 0);
    expect(budget.spend(4096)).toBe('within');
  });
});

describe("a session's refused frames", () => {
  it('closes at the limit within the window, not across windows', () => {
    let now = 0;
    const window = new RefusedFrameWindow(3, 60_000, () => now);
    expect(window.refuse()).toBe(false);
    expect(window.refuse()).toBe(false);
    now += 60_000;
    expect(window.refuse()).toBe(false);
    expect(window.refuse()).toBe(false);
    expect(window.refuse()).toBe(true);
  });
});
