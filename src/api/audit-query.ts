import { z } from 'zod';
import { AUDITED_EVENT_TYPES } from '../projections/queries/audit-queries.ts';
import { uuid } from './path-params.ts';
import { validate } from './validation.ts';

export const AUDIT_PAGE_DEFAULT = 100;
export const AUDIT_PAGE_MAX = 500;

const time = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

/** `?type=A,B` or `?type=A&type=B`: every name must be an audited event type. */
const typeName = z.string().max(1_000);
const types = z
  .union([typeName, z.array(typeName).max(50)])
  .transform((value) =>
    (Array.isArray(value) ? value : [value])
      .flatMap((item) => item.split(','))
      .map((item) => item.trim())
      .filter(Boolean),
  )
  .refine((names) => names.length > 0, 'type must name at least one event type')
  .superRefine((names, ctx) => {
    const unknown = names.filter((name) => !AUDITED_EVENT_TYPES.includes(name));
    if (unknown.length > 0) {
      ctx.addIssue({
        code: 'custom',
        message: `not an audited event type: ${unknown.join(', ')} (known: ${AUDITED_EVENT_TYPES.join(', ')})`,
      });
    }
  });

export const auditQuery = z
  .object({
    home_id: uuid,
    from: time.optional(),
    to: time.optional(),
    type: types.optional(),
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(AUDIT_PAGE_DEFAULT),
  })
  .refine((query) => !query.from || !query.to || query.from < query.to, {
    message: 'from must be before to',
    path: ['from'],
  });

export type AuditQuery = z.infer<typeof auditQuery>;

/** `GET /api/audit/` query: a 400 listing every problem when it does not hold. */
export function auditQueryOf(query: unknown): AuditQuery {
  return validate(auditQuery, query, 'query');
}
