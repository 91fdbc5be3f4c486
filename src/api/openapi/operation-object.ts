import { z } from 'zod';
import type { SchemaNames } from './schema-names.ts';
import type { Operation, ResponseSpec } from './operation.ts';

type JsonObject = Record<string, unknown>;

const SECURITY = { user: [{ bearer: [] }], metrics: [{ metricsToken: [] }], none: [] } as const;

const pascal = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Each property of a params/query/headers object as an OpenAPI parameter (input side: defaults are optional). */
function parametersOf(schema: z.ZodObject | undefined, where: 'path' | 'query' | 'header'): JsonObject[] {
  if (!schema) return [];
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, JsonObject>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || (json.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function responseObject(operation: Operation, status: number, response: ResponseSpec, names: SchemaNames) {
  const headers = Object.fromEntries(
    Object.entries(response.headers ?? {}).map(([name, description]) => [
      name,
      { description, schema: { type: 'string' } },
    ]),
  );
  const content = response.body
    ? {
        [response.contentType ?? 'application/json']: {
          schema: names.responseRef(response.body, `${pascal(operation.operationId)}${status}`),
        },
      }
    : response.contentType
      ? { [response.contentType]: { schema: { type: 'string' } } }
      : undefined;
  return {
    description: response.description,
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    ...(content ? { content } : {}),
  };
}

/** The OpenAPI operation object of one operation. */
export function operationObject(operation: Operation, names: SchemaNames): JsonObject {
  const parameters = [
    ...parametersOf(operation.params, 'path'),
    ...parametersOf(operation.query, 'query'),
    ...parametersOf(operation.headers, 'header'),
  ];
  const responses = Object.fromEntries(
    Object.entries(operation.responses).map(([status, response]) => [
      status,
      responseObject(operation, Number(status), response, names),
    ]),
  );
  return {
    operationId: operation.operationId,
    summary: operation.summary,
    ...(operation.description ? { description: operation.description } : {}),
    tags: [...operation.tags],
    security: SECURITY[operation.auth],
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(operation.body
      ? {
          requestBody: {
            required: !operation.bodyOptional,
            content: {
              'application/json': {
                schema: names.requestRef(operation.body, `${pascal(operation.operationId)}Request`),
              },
            },
          },
        }
      : {}),
    responses,
  };
}
