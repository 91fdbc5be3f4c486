import type { EventStore, RecordedEvent } from '../eventstore/port.ts';

/** What an auditor asks about: one home (with its gateways), one user, one gateway, or everything. */
export type AuditScope = { kind: 'all' } | { kind: 'home' | 'user' | 'gateway'; id: string };

export interface TimeRange {
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
}

const PAGE = 5000;
/** Data fields that say which home, gateway or user an event is about. */
const SUBJECT_FIELDS = ['home_id', 'gateway_id', 'user_id'] as const;

/** The id part of a `<kind>-<id>` stream name (`gateway_telemetry-<uuid>` → `<uuid>`), or null. */
export function streamSubjectId(streamName: string): string | null {
  const dash = streamName.indexOf('-');
  return dash > 0 ? streamName.slice(dash + 1) : null;
}

function mentions(event: RecordedEvent, ids: ReadonlySet<string>): boolean {
  const data = event.data as Record<string, unknown>;
  return SUBJECT_FIELDS.some((field) => typeof data[field] === 'string' && ids.has(data[field] as string));
}

/** Is the event about one of `ids`: in a `<kind>-<id>` stream of one of them, or naming one in its data. */
export function isAbout(event: RecordedEvent, ids: ReadonlySet<string>): boolean {
  const subject = streamSubjectId(event.streamName);
  return (subject !== null && ids.has(subject)) || mentions(event, ids);
}

export async function* readWholeLog(store: EventStore): AsyncGenerator<RecordedEvent> {
  let after: string | null = null;
  for (;;) {
    const page = await store.readAll({ after, maxCount: PAGE });
    yield* page;
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.position;
  }
}

/**
 * The ids a scope covers. A home covers its gateways: any gateway id named by an event about the home (e.g.
 * GatewayProvisioned {gateway_id, home_id} in `gateway-<id>`, or a `gateway_id` on the home's stream). Written
 * generically so that new event types about homes and gateways are found without changes here.
 */
export async function resolveScopeIds(store: EventStore, scope: AuditScope): Promise<Set<string> | null> {
  if (scope.kind === 'all') return null;
  const ids = new Set([scope.id]);
  if (scope.kind !== 'home') return ids;
  for await (const event of readWholeLog(store)) {
    const data = event.data as Record<string, unknown>;
    const aboutHome = data.home_id === scope.id || streamSubjectId(event.streamName) === scope.id;
    if (!aboutHome) continue;
    if (typeof data.gateway_id === 'string') ids.add(data.gateway_id);
    if (event.streamName.startsWith('gateway-') && data.home_id === scope.id)
      ids.add(streamSubjectId(event.streamName)!);
  }
  return ids;
}

export function inRange(event: RecordedEvent, range: TimeRange): boolean {
  if (range.from && event.created < range.from) return false;
  if (range.to && event.created >= range.to) return false;
  return true;
}

/** Every event in scope and range, oldest first, read from the event store (never from a read model). */
export async function* scopedEvents(
  store: EventStore,
  scope: AuditScope,
  range: TimeRange = {},
): AsyncGenerator<RecordedEvent> {
  const ids = await resolveScopeIds(store, scope);
  for await (const event of readWholeLog(store)) {
    if (ids !== null && !isAbout(event, ids)) continue;
    if (!inRange(event, range)) continue;
    yield event;
  }
}
