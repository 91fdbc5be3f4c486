import { z } from 'zod';
import { MAX_WIRE_UNIX_SECONDS } from './limits.ts';

/**
 * Frames carry `timestamp` as Unix seconds, but gateways in the field send ISO-8601 strings (Python's
 * `datetime.isoformat()`, sometimes naive, sometimes with microseconds or a space instead of `T`). Both are
 * accepted everywhere and normalised to Unix seconds; a missing or null timestamp becomes `null`.
 */
export type UnixSeconds = number;

const ISO_8601_DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Parses an ISO-8601 date-time to Unix seconds (fractional when the string has sub-second digits), or NaN.
 * A string without an offset is read as UTC, not as the server's local time, so the result never depends on
 * where the cloud runs.
 */
export function isoDateTimeToUnixSeconds(text: string): UnixSeconds {
  if (!ISO_8601_DATE_TIME.test(text)) return Number.NaN;
  const withT = text.replace(' ', 'T');
  const hasOffset = /(?:Z|[+-]\d{2}(?::?\d{2})?)$/i.test(withT.slice(10));
  return Date.parse(hasOffset ? withT : `${withT}Z`) / 1000;
}

/** Formats Unix seconds the way legacy gateways write timestamps. */
export function unixSecondsToIsoDateTime(seconds: UnixSeconds): string {
  return new Date(seconds * 1000).toISOString();
}

/**
 * A time the wire can carry: 1970 up to the end of year 9999. A value inside that range may still be absurd (a
 * device without a real-time clock that booted in 1970): the bridge keeps such reports, ordered by receive time
 * (see src/domain/bridge/device-report-time.ts). A value outside it (1e300) is not a time and the frame is invalid.
 */
export const unixSecondsSchema = z
  .number()
  .min(0, 'A time is Unix seconds from 0 (1970)')
  .max(MAX_WIRE_UNIX_SECONDS, 'A time is at most 253402300799 (the end of year 9999)');

const MAX_ISO_DATE_TIME_LENGTH = 64;

const isoDateTimeSchema = z
  .string()
  .max(MAX_ISO_DATE_TIME_LENGTH)
  .refine((text) => Number.isFinite(isoDateTimeToUnixSeconds(text)), {
    message: 'Expected Unix seconds or an ISO-8601 date-time',
  })
  .transform(isoDateTimeToUnixSeconds)
  // An offset can carry 9999-12-31T23:59 past the end of the year.
  .pipe(unixSecondsSchema);

/** Wire timestamp in either dialect → Unix seconds or null (absent/null). */
export const wireTimestampSchema = z
  .union([unixSecondsSchema, isoDateTimeSchema])
  .nullish()
  .transform((seconds): UnixSeconds | null => seconds ?? null);
