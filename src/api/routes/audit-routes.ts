import Router from '@koa/router';
import type { Context } from 'koa';
import { requirePermission } from '../../domain/homes/roles.ts';
import type { AuditRow } from '../../projections/queries/audit-queries.ts';
import type { ApiDependencies } from '../api-dependencies.ts';
import { decodeAuditCursor, encodeAuditCursor } from '../audit-cursor.ts';
import { auditQueryOf } from '../audit-query.ts';
import { requireUser } from '../middleware/authenticate.ts';
import { isoOrNull } from '../path-params.ts';
import type { AuditItemResponse, AuditPageResponse } from '../contracts/audit-contract.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

function auditItem(row: AuditRow): AuditItemResponse {
  return {
    position: row.position,
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    occurred_at: typeof row.metadata.occurred_at === 'string' ? row.metadata.occurred_at : null,
    recorded_at: isoOrNull(row.recorded_at),
    data: row.data,
    metadata: row.metadata,
  };
}

/**
 * `GET /api/audit/?home_id=…`: a home's history for its owner and admins — every event about the home, its
 * permissions, gateways, pairing, bridge sessions, telemetry and remote commands, oldest first, from the
 * `audit_index` read model (already redacted: no password hash or secret digest). Paginated by an opaque cursor.
 */
export function auditRoutes(deps: ApiDependencies): Router {
  const router = caseSensitiveRouter('/api/audit');
  router.use(requireUser(deps.tokens));

  router.get('/', async (ctx: Context) => {
    const query = auditQueryOf(ctx.query);
    const after = query.cursor === undefined ? null : decodeAuditCursor(query.cursor);
    // A stranger (or an unknown home) gets 404, a user or viewer 403: existence never leaks.
    requirePermission(
      await deps.memberships.roleOf(query.home_id, ctx.state.userId as string),
      'audit.read',
      'home_not_found',
      'home',
    );
    await deps.auditSettled();
    const { rows, more } = await deps.auditViews.page({
      homeId: query.home_id,
      after,
      types: query.type ?? [],
      from: query.from ?? null,
      to: query.to ?? null,
      limit: query.limit,
    });
    const body: AuditPageResponse = {
      items: rows.map(auditItem),
      next_cursor: more ? encodeAuditCursor(rows.at(-1)!.position) : null,
    };
    ctx.body = body;
  });

  return router;
}
