import type { z } from 'zod';

/** The union of `{type, data}` events described by a map of event type → zod schema. */
export type EventOf<Map extends Record<string, z.ZodType>> = {
  [Type in keyof Map & string]: { type: Type; data: z.infer<Map[Type]> };
}[keyof Map & string];
