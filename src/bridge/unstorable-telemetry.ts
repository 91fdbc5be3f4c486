import { telemetryEventSchemas, type TelemetryEvent } from '../domain/bridge/telemetry-events.ts';

/**
 * What the catalogue would say about a telemetry event before it is queued: null when it can be stored, else why
 * not. The recorder appends a gateway's frames in batches, and the catalogue refusing one event would fail the
 * batch — every frame in it answered `store_unavailable`, resent, and refused again.
 */
export function findUnstorableTelemetry(event: TelemetryEvent): string | null {
  const result = telemetryEventSchemas[event.type].safeParse(event.data);
  if (result.success) return null;
  const summary = result.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
    .join('; ');
  return `The frame cannot be stored: ${summary}`;
}
