import type { z } from 'zod';
import type { ProtocolError, ProtocolIssue } from './protocol-error.ts';

/**
 * The steps every frame goes through before its type-specific schema: size limit, JSON, "is an object with a
 * string type". Shared by the inbound (cloud) and outbound (edge) parsers.
 */

export interface FrameEnvelope {
  type: string;
  /** The raw object, still unvalidated apart from `type`. */
  raw: Record<string, unknown>;
  /** The request_id if it is a string, for correlating an error with the frame that caused it. */
  requestId: string | null;
}

export type EnvelopeResult = { ok: true; envelope: FrameEnvelope } | { ok: false; error: ProtocolError };

export function readFrameEnvelope(text: string, maxBytes: number): EnvelopeResult {
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

  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return fail('invalid_frame', 'Frame must be a JSON object', null, [
      { path: [], code: 'invalid_type', message: 'Expected an object' },
    ]);
  }

  const raw = parsed as Record<string, unknown>;
  const requestId = typeof raw['request_id'] === 'string' ? raw['request_id'] : null;
  const type = raw['type'];
  if (typeof type !== 'string') {
    return fail('invalid_frame', 'Frame has no string "type"', requestId, [
      { path: ['type'], code: 'invalid_type', message: 'Expected a string' },
    ]);
  }
  return { ok: true, envelope: { type, raw, requestId } };
}

export function unknownTypeError(type: string, accepted: readonly string[], requestId: string | null): ProtocolError {
  return {
    code: 'unknown_type',
    message: `Frame type "${type}" is not accepted here (expected one of: ${accepted.join(', ')})`,
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
