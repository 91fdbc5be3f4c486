import type Router from '@koa/router';
import type { Context } from 'koa';
import type { z } from 'zod';
import type { AuditRow } from '../../projections/queries/audit-queries.ts';
import { decodeAuditCursor, encodeAuditCursor } from '../audit-cursor.ts';
import { HttpError } from '../http-error.ts';
import { adminAuditQuery as auditQuery, adminExportQuery as exportQuery } from '../contracts/admin-contract.ts';
import { isoOrNull } from '../path-params.ts';
import type { AdminDependencies, AuditExportScope } from './admin-dependencies.ts';
import { queryOf } from './admin-query.ts';

export function auditItem(row: AuditRow & { home_id?: string }) {
  return {
    position: row.position,
    home_id: row.home_id ?? null,
    stream: row.stream,
    revision: row.revision,
    type: row.type,
    occurred_at: typeof row.metadata.occurred_at === 'string' ? row.metadata.occurred_at : null,
    recorded_at: isoOrNull(row.recorded_at),
    actor: row.metadata.actor ?? null,
    data: row.data,
    metadata: row.metadata,
  };
}

/** The export reads the event store itself (as `audit export`), so it takes one scope: the narrowest given. */
function exportScope(query: z.infer<typeof exportQuery>): AuditExportScope {
  const given = [
    query.home_id && ({ kind: 'home', id: query.home_id } as const),
    query.user_id && ({ kind: 'user', id: query.user_id } as const),
    query.gateway_id && ({ kind: 'gateway', id: query.gateway_id } as const),
  ].filter((scope): scope is Exclude<AuditExportScope, { kind: 'all' }> => Boolean(scope));
  if (given.length > 1)
    throw new HttpError(400, 'one_scope', 'Export takes one of home_id, user_id or gateway_id (or none: everything)');
  return given[0] ?? { kind: 'all' };
}

/**
 * `/api/admin/audit`: every home's history (the redacted `audit_index`), newest first, filtered by home, user,
 * gateway, event types and time; `/api/admin/audit/export`: JSON Lines exactly as `audit export` writes them
 * (events as stored, with their hash chains), so `audit verify --file` checks the download.
 */
export function addAdminAuditRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/audit', async (ctx: Context) => {
    const query = queryOf(auditQuery, ctx);
    const { rows, more } = await admin.auditViews.page({
      homeId: query.home_id,
      userId: query.user_id,
      gatewayId: query.gateway_id,
      types: query.type ?? [],
      from: query.from ?? null,
      to: query.to ?? null,
      before: query.cursor === undefined ? null : decodeAuditCursor(query.cursor),
      limit: query.limit,
    });
    ctx.body = { items: rows.map(auditItem), next_cursor: more ? encodeAuditCursor(rows.at(-1)!.position) : null };
  });

  router.get('/audit/export', async (ctx: Context) => {
    const query = queryOf(exportQuery, ctx);
    const lines = admin.auditExport(exportScope(query), { from: query.from, to: query.to });
    ctx.type = 'application/x-ndjson';
    ctx.set('Content-Disposition', 'attachment; filename="audit-export.jsonl"');
    ctx.body = await collect(lines);
  });
}

/** Collected before answering, so a failure mid-way is a JSON error rather than a cut-off file. */
async function collect(lines: AsyncIterable<string>): Promise<string> {
  const parts: string[] = [];
  for await (const line of lines) parts.push(line);
  return parts.join('');
}
