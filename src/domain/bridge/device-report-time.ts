/**
 * Which time orders a device's state report. Edges without a real-time clock boot in 1970 (or at their build
 * date), and a broken one may say year 9999: a report is never refused for its time, but a time the server
 * cannot believe does not order it either — it would let a stale report win, or pin the device's state forever
 * (the read model keeps the latest `reported_at`).
 */

/** A device time further ahead of the server's receive time than this is a wrong clock, not a device ahead. */
export const MAX_DEVICE_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;

/** Before this (2000-01-01T00:00:00Z) a device time is a clock that was never set. */
export const EARLIEST_BELIEVABLE_DEVICE_TIME_MS = Date.UTC(2000, 0, 1);

export interface ReportTime {
  /** ISO-8601: the device's time when believable, else the receive time. */
  reported_at: string;
  /** Present only when the device's time was not believed: the Unix seconds it sent, kept for the record. */
  device_ts?: number;
  clock_skewed?: true;
}

/** `deviceTs` in Unix seconds (null when the edge sent none). Never throws: any finite number is handled. */
export function reportTimeOf(deviceTs: number | null, receivedAt: Date): ReportTime {
  if (deviceTs === null) return { reported_at: receivedAt.toISOString() };
  const deviceMs = deviceTs * 1000;
  if (isBelievable(deviceMs, receivedAt.getTime())) return { reported_at: new Date(deviceMs).toISOString() };
  return { reported_at: receivedAt.toISOString(), device_ts: deviceTs, clock_skewed: true };
}

function isBelievable(deviceMs: number, receivedMs: number): boolean {
  return (
    Number.isFinite(deviceMs) &&
    deviceMs >= EARLIEST_BELIEVABLE_DEVICE_TIME_MS &&
    deviceMs <= receivedMs + MAX_DEVICE_CLOCK_AHEAD_MS
  );
}

/**
 * The order a stored report takes in the read model: its `reported_at`, but never more than the tolerance past
 * the moment the event was stored. Events written before the bridge checked device clocks may carry year 9999;
 * this keeps them from pinning a state (new events never need it).
 */
export function orderingTimeOf(reportedAt: string, storedAt: Date): Date {
  const reportedMs = Date.parse(reportedAt);
  const latestMs = storedAt.getTime() + MAX_DEVICE_CLOCK_AHEAD_MS;
  return new Date(Number.isFinite(reportedMs) ? Math.min(reportedMs, latestMs) : storedAt.getTime());
}
