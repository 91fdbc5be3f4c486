import type { AppendSignal } from '../append-signal.ts';
import { isPosition } from '../position.ts';
import type { Position } from '../port.ts';

/** NOTIFY payloads are limited to 8,000 bytes; past this the types are left out (every subscriber wakes). */
const MAX_PAYLOAD_CHARS = 4000;

/**
 * The NOTIFY payload of one or more coalesced appends: who sent it (so a process ignores its own, whose
 * subscribers were already woken locally) and the event types appended with their positions (AppendSignal), so
 * other processes wake only the subscriptions that follow one of them.
 */
export function appendNotificationPayload(senderId: string, types: ReadonlyMap<string, Position>): string {
  const payload = JSON.stringify({ from: senderId, types: Object.fromEntries(types) });
  return payload.length <= MAX_PAYLOAD_CHARS ? payload : JSON.stringify({ from: senderId });
}

/**
 * Reads a payload back. Anything else (an empty payload from an older process or a manual `pg_notify`) is an
 * append we know nothing about: every subscriber wakes.
 */
export function parseAppendNotification(payload: string): { from: string | null; signal: AppendSignal } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return { from: null, signal: {} };
  }
  if (typeof parsed !== 'object' || parsed === null) return { from: null, signal: {} };
  const { from, types } = parsed as { from?: unknown; types?: unknown };
  const sender = typeof from === 'string' ? from : null;
  if (typeof types !== 'object' || types === null) return { from: sender, signal: {} };
  const entries = Object.entries(types);
  if (!entries.every(([, position]) => isPosition(position))) return { from: sender, signal: {} };
  return { from: sender, signal: { types: Object.fromEntries(entries) as Record<string, Position> } };
}
