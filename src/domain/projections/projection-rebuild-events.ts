import { z } from 'zod';
import { definitionsOf, type EventDefinition, type EventOf } from '../event-catalogue.ts';
import { staffReason } from '../accounts/staff-events.ts';

const id = z.string().uuid();
/** A projection's name (`users`, `audit_index`): checked against the running code's projections by the API. */
const projectionName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z][a-z0-9_]*$/);
const count = z.number().int().min(0);
/** Events to replay, when the store can count them. */
const total = count.nullable();

/**
 * A blue/green rebuild of a read model started by staff from the admin API, on its own stream
 * (`projection_rebuild-<id>`): who asked and why, its progress at a bounded rate, and how it ended. The rebuild
 * itself writes read-model tables (never events); these record it for auditors and feed the console's progress.
 */
export const projectionRebuildEventSchemas = {
  ProjectionRebuildStarted: z
    .object({ rebuild_id: id, projection: projectionName, reason: staffReason, node_id: z.string().min(1).max(200) })
    .strict(),
  ProjectionRebuildProgressed: z.object({ rebuild_id: id, projection: projectionName, done: count, total }).strict(),
  ProjectionRebuildCompleted: z
    .object({
      rebuild_id: id,
      projection: projectionName,
      applied: count,
      rejected: count,
      position: z.string().max(100).nullable(),
      seconds: z.number().min(0).max(1e9),
    })
    .strict(),
  /** `abandoned`: its node died mid-way, found by the next rebuild of the projection (the live tables are intact). */
  ProjectionRebuildFailed: z
    .object({ rebuild_id: id, projection: projectionName, error: z.string().max(500), abandoned: z.boolean() })
    .strict(),
};

export type ProjectionRebuildEvent = EventOf<typeof projectionRebuildEventSchemas>;

export const projectionRebuildEventDefinitions: EventDefinition[] = definitionsOf(
  projectionRebuildEventSchemas,
  'projection rebuild',
);
