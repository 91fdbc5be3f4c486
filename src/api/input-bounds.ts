import { z } from 'zod';
import {
  DEFAULT_JSON_BOUNDS,
  findJsonBoundsProblem,
  type JsonBounds,
  type JsonBoundsProblem,
} from '../domain/values/json-bounds.ts';
import { HttpError } from './http-error.ts';

/**
 * The entrance check for everything a REST client sends (body, query): one iterative walk bounds depth, size and
 * strings (no NUL, no lone surrogate) before zod, canonical JSON or the database meet the value. Out of bounds is
 * a 400 that says which rule and where, never a 500.
 */
export const REST_JSON_BOUNDS: JsonBounds = DEFAULT_JSON_BOUNDS;

export function outOfBounds(what: 'body' | 'query' | 'path', problem: JsonBoundsProblem): HttpError {
  return new HttpError(400, 'json_out_of_bounds', `The request ${what} is out of bounds: ${problem.message}`, {
    violation: problem.violation,
    path: problem.path,
  });
}

/** Throws the 400 when `value` (a parsed body, a query object) is out of bounds. */
export function requireBoundedInput(
  what: 'body' | 'query' | 'path',
  value: unknown,
  bounds: JsonBounds = REST_JSON_BOUNDS,
): void {
  const problem = findJsonBoundsProblem(value, bounds);
  if (problem) throw outOfBounds(what, problem);
}

/** Remote-command params: stored in events and sent to a gateway in one frame, so tighter than a whole body. */
export const COMMAND_PARAMS_BOUNDS: JsonBounds = { maxDepth: 16, maxNodes: 1_000, maxStringLength: 4_096 };
export const COMMAND_PARAMS_MAX_BYTES = 16 * 1024;

/**
 * A JSON object from a client, within `bounds` and at most `maxBytes` serialised. The walk runs first, so
 * `JSON.stringify` (recursive) only meets values it can handle.
 */
export function boundedJsonObject(bounds: JsonBounds, maxBytes: number) {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = findJsonBoundsProblem(value, bounds);
    if (problem) {
      ctx.addIssue({ code: 'custom', message: `${problem.message} (${problem.violation} at ${problem.path})` });
      return;
    }
    if (Buffer.byteLength(JSON.stringify(value), 'utf8') > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes as JSON` });
    }
  });
}
