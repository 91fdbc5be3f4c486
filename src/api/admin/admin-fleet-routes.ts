import type { ServerResponse } from 'node:http';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { combineWrites, NOTHING_WRITTEN, type WriteResult } from '../../commands/write-result.ts';
import { isoOrNull } from '../path-params.ts';
import type { AdminDependencies, ProjectionView, RebuildFeedEvent } from './admin-dependencies.ts';
import { sessionsQuery } from '../contracts/admin-contract.ts';
import { pageBody, queryOf } from './admin-query.ts';

/** A burst of events (a reconnect storm) becomes one overview per this interval, not one per event. */
const FEED_COALESCE_MS = 250;
/** A comment line now and then keeps proxies from closing an idle feed. */
const FEED_KEEPALIVE_MS = 15_000;

/**
 * The nodes: every bridge node lease (`bridge_node_leases`: live by the database's clock, its reaper when it was
 * declared lost) with the projections it applies (worker leases), plus holders of worker leases without a bridge
 * lease (`projections run` processes, or a node whose bridge lease lapsed).
 */
async function nodeList(admin: AdminDependencies, projections: readonly ProjectionView[]) {
  const leases = await admin.nodes();
  const applies = (nodeId: string) => projections.filter((p) => p.appliedBy === nodeId).map((p) => p.name);
  const known = new Set(leases.map((lease) => lease.node_id));
  const workersOnly = [...new Set(projections.map((p) => p.appliedBy))].filter(
    (nodeId): nodeId is string => nodeId !== null && !known.has(nodeId),
  );
  return [
    ...leases.map((lease) => ({
      node_id: lease.node_id,
      bridge_lease: {
        live: Boolean(lease.live),
        expires_at: isoOrNull(lease.expires_at)!,
        registered_at: isoOrNull(lease.registered_at)!,
        reaper: lease.reaper,
      },
      projections: applies(lease.node_id),
    })),
    ...workersOnly.map((nodeId) => ({ node_id: nodeId, bridge_lease: null, projections: applies(nodeId) })),
  ];
}

async function overview(admin: AdminDependencies) {
  const now = new Date();
  const [fleet, projections] = await Promise.all([admin.views.fleet(now), admin.projections()]);
  return {
    at: now.toISOString(),
    ...fleet,
    projections: projections.map((p) => ({
      name: p.name,
      state: p.state,
      lag_events: p.lagEvents,
      lag_seconds: p.lagSeconds,
      applied_by: p.appliedBy,
    })),
    max_projection_lag_seconds: Math.max(0, ...projections.map((p) => p.lagSeconds)),
    nodes: await nodeList(admin, projections),
  };
}

/**
 * `/api/admin/sessions` (open bridge sessions with node and duration), `/api/admin/overview` (the fleet in
 * numbers), `/api/admin/nodes` (node and projection worker leases) and `/api/admin/overview/stream`: server-sent
 * events, a fresh overview whenever the event store says the fleet changed (sessions, gateways, homes, commands —
 * from any node), coalesced, and each projection rebuild event (`event: rebuild`) as it is written.
 */
export function addAdminFleetRoutes(router: Router, admin: AdminDependencies): void {
  router.get('/sessions', async (ctx: Context) => {
    const query = queryOf(sessionsQuery, ctx);
    const listing = await admin.views.openSessions({ nodeId: query.node_id }, query);
    const now = Date.now();
    ctx.body = pageBody(listing, query, (row) => ({
      ...row,
      frames_in: Number(row.frames_in),
      frames_out: Number(row.frames_out),
      started_at: isoOrNull(row.started_at),
      duration_s: Math.max(0, Math.round((now - new Date(row.started_at).getTime()) / 1000)),
    }));
  });

  router.get('/nodes', async (ctx: Context) => {
    const items = await nodeList(admin, await admin.projections());
    ctx.body = { items, total: items.length };
  });

  router.get('/overview', async (ctx: Context) => {
    ctx.body = await overview(admin);
  });

  router.get('/overview/stream', (ctx: Context) => {
    // Written straight to the response (Koa does not end it): the feed lasts until the client goes away.
    ctx.respond = false;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
    });
    feedOverviews(admin, ctx.res);
  });
}

function feedOverviews(admin: AdminDependencies, stream: ServerResponse): void {
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  let latest: WriteResult = NOTHING_WRITTEN;
  const send = async () => {
    timer = null;
    try {
      // The numbers come from read models: wait until they hold the change that woke us.
      await admin.settle(latest);
      const body = await overview(admin);
      if (!closed) stream.write(`event: overview\ndata: ${JSON.stringify(body)}\n\n`);
    } catch (error) {
      if (!closed) stream.write(`event: error\ndata: ${JSON.stringify({ message: (error as Error).message })}\n\n`);
    }
  };
  const schedule = (change: WriteResult) => {
    latest = combineWrites(latest, change);
    if (!closed && timer === null) timer = setTimeout(() => void send(), FEED_COALESCE_MS);
  };
  // A rebuild's events go out as they come (each is small, and their rate is bounded where they are written).
  const rebuild = (event: RebuildFeedEvent) => {
    if (!closed) stream.write(`event: rebuild\ndata: ${JSON.stringify(event)}\n\n`);
  };
  const unsubscribe = admin.watchFleet(schedule, () => stream.end(), rebuild);
  const keepalive = setInterval(() => stream.write(': keepalive\n\n'), FEED_KEEPALIVE_MS);
  stream.on('close', () => {
    closed = true;
    unsubscribe();
    clearInterval(keepalive);
    if (timer) clearTimeout(timer);
  });
  void send();
}
