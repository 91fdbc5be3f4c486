import type { z } from 'zod';
import { findJsonBoundsProblem, isStorableText, type JsonBounds } from '../../domain/values/json-bounds.ts';
import { FRAME_JSON_BOUNDS, MAX_REQUEST_ID_LENGTH } from './limits.ts';
import type { ProtocolError, ProtocolIssue } from './protocol-error.ts';

/**
 * The steps every frame goes through before its type-specific schema: size limit, JSON, JSON bounds (depth,
 * size, strings without NUL or lone surrogates), "is an object with a string type". Shared by the inbound (cloud)
 * and outbound (edge) parsers. The bounds walk is iterative and runs before zod or anything else recurses into
 * the frame, so no frame can overflow the stack, and a frame that passes holds nothing the store refuses.
 */

export interface FrameEnvelope {
  type: string;
  /** The raw object, still unvalidated apart from `type`. */
  raw: Record<string, unknown>;
  /** The request_id if it is a string, for correlating an error with the frame that caused it. */
  requestId: string | null;
}

export type EnvelopeResult = { ok: true; envelope: FrameEnvelope } | { ok: false; error: ProtocolError };

export function readFrameEnvelope(
  text: string,
  maxBytes: number,
  bounds: JsonBounds = FRAME_JSON_BOUNDS,
): EnvelopeResult {
  // Checked before JSON.parse so an oversized frame costs no parsing.
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    return fail('frame_too_large', `Frame is ${bytes} bytes; the limit is ${maxBytes}`, null);
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    return fail('invalid_json', `Frame is not valid JSON: ${reason}`, null);
  }

  const outOfBounds = findJsonBoundsProblem(parsed, bounds);
  if (outOfBounds) {
    return fail(
      'frame_out_of_bounds',
      `Frame is out of bounds at ${outOfBounds.path}: ${outOfBounds.message}`,
      readableRequestId(parsed),
      [{ path: [], code: outOfBounds.violation, message: outOfBounds.message }],
    );
  }

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('invalid_frame', 'Frame must be a JSON object', null, [
      { path: [], code: 'invalid_type', message: 'Expected an object' },
    ]);
  }

  const raw = parsed as Record<string, unknown>;
  const requestId = readableRequestId(raw);
  const type = raw['type'];
  if (typeof type !== 'string') {
    return fail('invalid_frame', 'Frame has no string "type"', requestId, [
      { path: ['type'], code: 'invalid_type', message: 'Expected a string' },
    ]);
  }
  return { ok: true, envelope: { type, raw, requestId } };
}

/**
 * The request_id to echo in an error, when it is one a gateway could have meant: a short, storable string. A
 * 60 KB or NUL-laden "request_id" is not echoed back.
 */
function readableRequestId(parsed: unknown): string | null {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const requestId = (parsed as Record<string, unknown>)['request_id'];
  if (typeof requestId !== 'string' || requestId.length > MAX_REQUEST_ID_LENGTH) return null;
  return isStorableText(requestId) ? requestId : null;
}

const MAX_TYPE_SHOWN = 64;

export function unknownTypeError(type: string, accepted: readonly string[], requestId: string | null): ProtocolError {
  const shown = type.length > MAX_TYPE_SHOWN ? `${type.slice(0, MAX_TYPE_SHOWN)}…` : type;
  return {
    code: 'unknown_type',
    message: `Frame type "${shown}" is not accepted here (expected one of: ${accepted.join(', ')})`,
    request_id: requestId,
  };
}

export function invalidFrameError(type: string, zodError: z.ZodError, requestId: string | null): ProtocolError {
  const issues = flattenZodIssues(zodError.issues);
  const summary = issues.map((issue) => `${issue.path.join('.') || '(frame)'}: ${issue.message}`).join('; ');
  return { code: 'invalid_frame', message: `Invalid "${type}" frame: ${summary}`, request_id: requestId, issues };
}

/** zod paths may hold symbols; frames are JSON, so a symbol can only be a zod internal and is rendered as text. */
function flattenZodIssues(issues: readonly z.core.$ZodIssue[]): ProtocolIssue[] {
  return issues.map((issue) => ({
    path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
    code: issue.code,
    message: issue.message,
  }));
}

function fail(
  code: ProtocolError['code'],
  message: string,
  requestId: string | null,
  issues?: ProtocolIssue[],
): { ok: false; error: ProtocolError } {
  const error: ProtocolError = { code, message, request_id: requestId };
  if (issues) error.issues = issues;
  return { ok: false, error };
}
