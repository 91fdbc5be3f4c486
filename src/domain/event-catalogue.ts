import type { z } from 'zod';

/**
 * The event catalogue: every event type with its schema version and the shape of its data. The writer path
 * validates each new event against it, so nothing malformed (or carrying a field it should not, like a plaintext
 * secret) reaches the log.
 */
export interface EventDefinition {
  type: string;
  schemaVersion: number;
  schema: z.ZodType<Record<string, unknown>>;
  /** What the event is about, for auditors: the home, gateway or user ids found in its data. */
  description: string;
}

/** The union of `{type, data}` events described by a map of zod schemas. */
export type EventOf<Map extends Record<string, z.ZodType>> = {
  [Type in keyof Map & string]: { type: Type; data: z.infer<Map[Type]> };
}[keyof Map & string];

/** Catalogue entries (schema version 1) for a map of event schemas. */
export function definitionsOf(
  schemas: Record<string, z.ZodType<Record<string, unknown>>>,
  description: string,
): EventDefinition[] {
  return Object.entries(schemas).map(([type, schema]) => ({ type, schemaVersion: 1, schema, description }));
}

export class EventCatalogue {
  private readonly definitions = new Map<string, EventDefinition>();

  constructor(definitions: readonly EventDefinition[]) {
    for (const definition of definitions) {
      if (this.definitions.has(definition.type)) throw new Error(`Event type ${definition.type} defined twice`);
      this.definitions.set(definition.type, definition);
    }
  }

  get(type: string): EventDefinition {
    const definition = this.definitions.get(type);
    if (!definition) throw new Error(`Event type ${type} is not in the catalogue`);
    return definition;
  }

  /** Throws when `data` does not match the schema of `type`; returns the validated (stripped) data. */
  validate(type: string, data: unknown): Record<string, unknown> {
    const result = this.get(type).schema.safeParse(data);
    if (!result.success) {
      throw new Error(
        `Event ${type} has invalid data: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    return result.data;
  }

  types(): string[] {
    return [...this.definitions.keys()];
  }
}
