/**
 * Bounds on JSON that came from outside (an HTTP body, a query, a gateway frame, an event read back from the log),
 * checked by one iterative walk before anything else recurses into the value. Every recursive function we own
 * (canonical JSON, redaction, zod) then meets at most `maxDepth` levels, so no input can overflow the stack.
 *
 * Strings (keys and values) must be well-formed UTF-16 — JSON.parse turns `"\ud800"` into a lone surrogate, which
 * has no UTF-8 form and which PostgreSQL refuses — and free of NUL, which PostgreSQL text and jsonb cannot hold.
 */
export interface JsonBounds {
  /** Deepest nesting of objects and arrays; the top-level value is depth 1. */
  readonly maxDepth: number;
  /** Most values (objects, arrays, scalars, keys not counted) in the whole document. */
  readonly maxNodes: number;
  /** Longest string, key or value, in UTF-16 code units. */
  readonly maxStringLength: number;
}

/** What clients may send us: deep enough for any real device state or metadata snapshot. */
export const DEFAULT_JSON_BOUNDS: JsonBounds = { maxDepth: 32, maxNodes: 100_000, maxStringLength: 64 * 1024 };

export type JsonBoundsViolation =
  'too_deep' | 'too_many_values' | 'string_too_long' | 'nul_character' | 'lone_surrogate' | 'not_json';

export interface JsonBoundsProblem {
  readonly violation: JsonBoundsViolation;
  /** Path of the offending value, e.g. `payload.state.a.b`, or `(root)`. Long paths are cut. */
  readonly path: string;
  readonly message: string;
}

/**
 * A value still to visit. Its path is rebuilt from the parent links only when a problem is reported, so a valid
 * document costs no path arrays.
 */
interface PendingValue {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: PendingValue | null;
  readonly key: string | number | null;
}

/** Returns the first problem found (depth-first), or null when the value is within bounds. Never recurses. */
export function findJsonBoundsProblem(
  value: unknown,
  bounds: JsonBounds = DEFAULT_JSON_BOUNDS,
): JsonBoundsProblem | null {
  const pending: PendingValue[] = [{ value, depth: 1, parent: null, key: null }];
  let nodes = 0;
  while (pending.length > 0) {
    const entry = pending.pop()!;
    nodes += 1;
    if (nodes > bounds.maxNodes) {
      return problem('too_many_values', entry, `More than ${bounds.maxNodes} JSON values`);
    }
    const scalarProblem = checkScalar(entry, bounds);
    if (scalarProblem !== undefined) {
      if (scalarProblem === null) continue;
      return scalarProblem;
    }
    if (entry.depth > bounds.maxDepth) {
      return problem('too_deep', entry, `Nested deeper than ${bounds.maxDepth} levels`);
    }
    const childProblem = pushChildren(entry, pending, bounds);
    if (childProblem) return childProblem;
  }
  return null;
}

/** `null` = a valid scalar, a problem = an invalid one, `undefined` = a container to walk. */
function checkScalar(entry: PendingValue, bounds: JsonBounds): JsonBoundsProblem | null | undefined {
  const { value } = entry;
  switch (typeof value) {
    case 'string':
      return checkString(value, entry, bounds);
    case 'number':
      return Number.isFinite(value) ? null : problem('not_json', entry, 'Numbers must be finite');
    case 'boolean':
      return null;
    case 'object':
      return value === null ? null : undefined;
    default:
      return problem('not_json', entry, `A ${typeof value} is not a JSON value`);
  }
}

function pushChildren(parent: PendingValue, pending: PendingValue[], bounds: JsonBounds): JsonBoundsProblem | null {
  const container = parent.value as object;
  const depth = parent.depth + 1;
  if (Array.isArray(container)) {
    for (let index = container.length - 1; index >= 0; index -= 1) {
      pending.push({ value: container[index], depth, parent, key: index });
    }
    return null;
  }
  const keys = Object.keys(container);
  for (let index = keys.length - 1; index >= 0; index -= 1) {
    const key = keys[index]!;
    const child: PendingValue = { value: (container as Record<string, unknown>)[key], depth, parent, key };
    const keyProblem = checkString(key, child, bounds);
    if (keyProblem) return keyProblem;
    pending.push(child);
  }
  return null;
}

function checkString(text: string, at: PendingValue, bounds: JsonBounds): JsonBoundsProblem | null {
  if (text.length > bounds.maxStringLength) {
    return problem('string_too_long', at, `A string is longer than ${bounds.maxStringLength} characters`);
  }
  const violation = findTextViolation(text);
  return violation ? problem(violation, at, TEXT_MESSAGES[violation]) : null;
}

/** In a `u` regex a surrogate pair is one code point, so `\p{Cs}` matches only a surrogate standing alone. */
const LONE_SURROGATE = /\p{Cs}/u;

const TEXT_MESSAGES = {
  nul_character: 'Strings must not contain NUL (\\u0000)',
  lone_surrogate: 'Strings must be valid UTF-8 (a lone surrogate was found)',
} as const;

function findTextViolation(text: string): keyof typeof TEXT_MESSAGES | null {
  if (text.includes('\u0000')) return 'nul_character';
  if (LONE_SURROGATE.test(text)) return 'lone_surrogate';
  return null;
}

/** NUL and lone surrogates: the two things a JavaScript string can hold that PostgreSQL and UTF-8 cannot. */
export function findTextProblem(text: string): JsonBoundsProblem | null {
  const violation = findTextViolation(text);
  return violation ? { violation, path: '(root)', message: TEXT_MESSAGES[violation] } : null;
}

/** True when a string can be stored and sent as UTF-8 text: no NUL, no lone surrogate. */
export function isStorableText(text: string): boolean {
  return findTextViolation(text) === null;
}

const MAX_PATH_SEGMENTS_SHOWN = 8;

function problem(violation: JsonBoundsViolation, at: PendingValue, message: string): JsonBoundsProblem {
  const segments: (string | number)[] = [];
  for (let step: PendingValue | null = at; step !== null && step.key !== null; step = step.parent)
    segments.push(step.key);
  segments.reverse();
  const shown = segments.slice(0, MAX_PATH_SEGMENTS_SHOWN).map(String).join('.');
  const suffix = segments.length > MAX_PATH_SEGMENTS_SHOWN ? '.…' : '';
  return { violation, path: shown === '' ? '(root)' : `${shown}${suffix}`, message };
}
