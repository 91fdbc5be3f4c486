import { reportTimeOf, type ReportTime } from '../domain/bridge/device-report-time.ts';
import { isoDateTimeToUnixSeconds, MAX_WIRE_UNIX_SECONDS } from './protocol/index.ts';

export interface FieldReportTime extends ReportTime {
  device_time_raw?: string;
  device_time_without_zone?: true;
}

const ENDS_WITH_OFFSET = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;

/**
 * When a field edge's `state_update` happened, for ordering. The edge writes `datetime.now().isoformat()`: its
 * local time, without a zone. Reading that as UTC would shift every report by the home's offset (and let an older
 * report win across a time-zone boundary), so a time without a zone is kept as given (`device_time_raw`) and the
 * report is ordered by the time the cloud received it. A time with an offset is a real instant and goes through
 * the same believability rules as `/bridge/` device times; one that is not a date-time at all is kept and flagged.
 */
export function fieldReportTimeOf(raw: string | null, receivedAt: Date): FieldReportTime {
  if (raw === null) return reportTimeOf(null, receivedAt);
  const seconds = isoDateTimeToUnixSeconds(raw);
  if (!Number.isFinite(seconds))
    return { reported_at: receivedAt.toISOString(), device_time_raw: raw, clock_skewed: true };
  if (!ENDS_WITH_OFFSET.test(raw.slice(10))) {
    return { reported_at: receivedAt.toISOString(), device_time_raw: raw, device_time_without_zone: true };
  }
  // An offset can carry year 0000 before 1970 (or 9999 past the wire's end): no instant we keep as `device_ts`.
  if (seconds < 0 || seconds > MAX_WIRE_UNIX_SECONDS)
    return { reported_at: receivedAt.toISOString(), device_time_raw: raw, clock_skewed: true };
  return { ...reportTimeOf(seconds, receivedAt), device_time_raw: raw };
}
