import { z } from 'zod';
import { componentNameOf } from './operation.ts';

type JsonObject = Record<string, unknown>;

/** Response bodies become components: by their shared name, else `<OperationId><status>`. */
export class SchemaNames {
  readonly output = z.registry<{ id: string }>();
  readonly input = z.registry<{ id: string }>();
  private readonly outputIds = new Map<z.ZodType, string>();

  responseRef(schema: z.ZodType, fallback: string): JsonObject {
    let name = this.outputIds.get(schema) ?? componentNameOf(schema);
    if (name === undefined) name = fallback;
    if (!this.outputIds.has(schema)) {
      this.outputIds.set(schema, name);
      this.output.add(schema, { id: name });
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  requestRef(schema: z.ZodType, name: string): JsonObject {
    if (!this.input.has(schema)) this.input.add(schema, { id: name });
    return { $ref: `#/components/schemas/${this.input.get(schema)!.id}` };
  }

  /** Shared names are registered up front, so a body nesting one refers to it. */
  registerShared(schemas: Iterable<z.ZodType>): void {
    for (const schema of schemas) {
      const name = componentNameOf(schema);
      if (name !== undefined && !this.outputIds.has(schema)) {
        this.outputIds.set(schema, name);
        this.output.add(schema, { id: name });
      }
    }
  }

  components(): JsonObject {
    const uri = (id: string) => `#/components/schemas/${id}`;
    const output = z.toJSONSchema(this.output, { io: 'output', uri }).schemas;
    const input = z.toJSONSchema(this.input, { io: 'input', uri, unrepresentable: 'any' }).schemas;
    const all: JsonObject = {};
    for (const [name, schema] of Object.entries({ ...output, ...input })) {
      const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
      all[name] = rest;
    }
    return Object.fromEntries(Object.entries(all).sort(([a], [b]) => a.localeCompare(b)));
  }
}
