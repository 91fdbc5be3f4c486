import type { Position } from './port.ts';

/**
 * Positions are pairs of unsigned 64-bit integers encoded as two zero-padded 20-digit decimal numbers joined by
 * ':' — for PostgreSQL (transaction id, global sequence), for EventStoreDB (commit, prepare). Fixed width makes
 * string comparison the numeric order, so positions can be compared, stored in a text column and put in JSON
 * without BigInt ever reaching JSON.stringify.
 */
const WIDTH = 20;
const POSITION_PATTERN = /^\d{20}:\d{20}$/;

export function encodePosition(major: bigint | number | string, minor: bigint | number | string): Position {
  return `${BigInt(major).toString().padStart(WIDTH, '0')}:${BigInt(minor).toString().padStart(WIDTH, '0')}`;
}

export function decodePosition(position: Position): { major: bigint; minor: bigint } {
  if (!isPosition(position)) throw new TypeError(`Not an event store position: ${position}`);
  const [major, minor] = position.split(':') as [string, string];
  return { major: BigInt(major), minor: BigInt(minor) };
}

export function isPosition(value: unknown): value is Position {
  return typeof value === 'string' && POSITION_PATTERN.test(value);
}

export function comparePositions(a: Position, b: Position): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** True when `position` is at or after `target` (null means "nothing yet"). */
export function hasReached(position: Position | null, target: Position): boolean {
  return position !== null && position >= target;
}

export function maxPosition(a: Position | null, b: Position | null): Position | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
