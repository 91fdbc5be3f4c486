import { z } from 'zod';
import { uuid } from '../path-params.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One answer of an operation. `body` is the JSON body's zod schema; absent for an empty answer (204, 101). */
export interface ResponseSpec {
  description: string;
  body?: z.ZodType;
  /** Another media type than application/json: the metrics text, the docs page (no body schema), the JWK set. */
  contentType?: string;
  /** Response headers the client relies on (name → description). */
  headers?: Readonly<Record<string, string>>;
}

/**
 * One route as the wire sees it: the single description the OpenAPI document is generated from. Request schemas
 * are the ones the route validates with; response schemas are the ones its body builders are typed by.
 */
export interface Operation {
  method: HttpMethod;
  /** OpenAPI template without a trailing slash (every path accepts one): `/api/gateways/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: readonly string[];
  /** `user`: a Bearer access token; `metrics`: Bearer METRICS_TOKEN; `none`: public. */
  auth: 'user' | 'metrics' | 'none';
  params?: z.ZodObject;
  query?: z.ZodObject;
  /** Request headers the route reads (e.g. Idempotency-Key), as an object of optional strings. */
  headers?: z.ZodObject;
  body?: z.ZodType;
  /** The body may be left out (an empty body counts as `{}`). */
  bodyOptional?: boolean;
  responses: Readonly<Record<number, ResponseSpec>>;
  /** A WebSocket upgrade served outside the Koa routers (documented, not a router route). */
  upgrade?: boolean;
}

/** Names a shared response schema: it becomes `#/components/schemas/<name>` (others are named by operation). */
const componentNames = new Map<z.ZodType, string>();
export function component<Schema extends z.ZodType>(name: string, schema: Schema): Schema {
  componentNames.set(schema, name);
  return schema;
}
/** Every named schema, nested ones too (a body that nests one refers to it). */
export const namedComponents = (): z.ZodType[] => [...componentNames.keys()];
export const componentNameOf = (schema: z.ZodType): string | undefined => componentNames.get(schema);

/** `{ "error": { "code", "message", "details?" } }`: every error answer. */
export const errorEnvelope = component(
  'Error',
  z.object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable'),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  }),
);

export const error = (description: string): ResponseSpec => ({ description, body: errorEnvelope });
export const json = (description: string, body: z.ZodType, headers?: Record<string, string>): ResponseSpec => ({
  description,
  body,
  ...(headers ? { headers } : {}),
});
/** The body of a 202 from a write whose read models did not catch up in time (`routes/pending-answer.ts`). */
export const pendingFields = {
  status: z.literal('pending'),
  location: z.string().describe('The path to GET for the result (also the Location header)'),
  message: z.string(),
};
export const pendingAnswer = component('PendingAnswer', z.object(pendingFields));
export type PendingAnswer = z.infer<typeof pendingAnswer>;
/** 202: recorded, but the read models the answer comes from lag (READ_YOUR_WRITES_TIMEOUT_MS passed). */
export const pending = (body: z.ZodType = pendingAnswer): ResponseSpec =>
  json(
    'Recorded, but the read models have not caught up within READ_YOUR_WRITES_TIMEOUT_MS (a projection is stuck or ' +
      'far behind): GET the Location for the result. Never a 404 for what was just written.',
    body,
    { Location: 'Where to GET the result' },
  );
export const noContent = (description = 'Done; no body'): ResponseSpec => ({ description });

/** Response field types. Any 8-4-4-4-12 id (clients choose command ids), ISO 8601 times as the routes write them. */
export const id = z.guid();
export const isoTime = z.iso.datetime({ offset: true });
export const isoTimeOrNull = isoTime.nullable();

/** Path parameters that are UUIDs (a route reads them with `uuidParam`: anything else is 400 invalid_id). */
export const uuidParams = (...names: string[]) => z.object(Object.fromEntries(names.map((name) => [name, uuid])));
