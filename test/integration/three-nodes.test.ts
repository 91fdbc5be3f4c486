import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EdgeClient } from '../../src/edge/index.ts';
import { AppLiveSocket } from '../support/app-client.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { provisionGateway, registerUser, type ProvisionedGateway, type TestUser } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { freshRedisKeyPrefix, testRedisUrl } from '../support/redis.ts';
import { startServeNode, stopServeNode, type ServeNode } from '../support/serve-node.ts';
import { StepTimings } from '../support/step-timings.ts';

/**
 * Three `serve` processes on one fresh PostgreSQL database (and one Redis when TEST_REDIS_URL is set), each step
 * across processes, as an operator would run them. Steps share the people and the gateway made in the first one,
 * so they run in order; the node-lost step kills a node and so comes last. Each step's duration is printed at the
 * end (and written to THREE_NODES_TIMINGS_FILE).
 */

/** Wrong passwords one (e-mail, address) may send before 429: spread over three nodes, 2 per node. */
const LOGIN_LIMIT = 6;
/** A node learns what another wrote through the shared read models: the bound of the two-process tests. */
const ACROSS_NODES = { timeout: 10_000, interval: 50 } as const;
const STEP_TIMEOUT_MS = 30_000;
/** Small, so the node-lost step is bounded by it (the promise: a lost node's gateways are offline within it). */
const HEARTBEAT_TIMEOUT_S = 8;
const METRICS_TOKEN = 'three-nodes-metrics-token-0123456789';

/** `promise`, or a failure naming what did not happen within `ms` (instead of the test's own timeout). */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Per projection, the nodes whose `/metrics` say they apply it now (`smarthome_projection_applied_here` 1): the
 * lease decides, so each projection should have exactly one.
 */
async function appliersByProjection(served: ReadonlyMap<string, ServeNode>): Promise<Map<string, string[]>> {
  const appliers = new Map<string, string[]>();
  for (const [name, { url }] of served) {
    const response = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    const text = await response.text();
    for (const [, projection, value] of text.matchAll(
      /^smarthome_projection_applied_here\{projection="([^"]+)"\} (\d+)$/gm,
    )) {
      const nodes = appliers.get(projection!) ?? [];
      if (value === '1') nodes.push(name);
      appliers.set(projection!, nodes);
    }
  }
  return appliers;
}

/** Every projection the nodes report has exactly one applier among them; answers projection → node. */
async function expectOneApplierEach(served: ReadonlyMap<string, ServeNode>): Promise<Map<string, string>> {
  const appliers = await appliersByProjection(served);
  expect(appliers.size, 'projections reported by /metrics').toBeGreaterThan(0);
  for (const [projection, nodes] of appliers) expect(nodes, projection).toHaveLength(1);
  return new Map([...appliers].map(([projection, nodes]) => [projection, nodes[0]!]));
}

describe.runIf(process.env.TEST_DATABASE_URL)('three serve processes on one PostgreSQL database', () => {
  const timings = new StepTimings();
  let database: { url: string; drop: () => Promise<void> } | undefined;
  let dataDir: string | undefined;
  const nodes: ServeNode[] = [];
  const node = (n: 1 | 2 | 3) => nodes[n - 1]!;
  const named = (...which: Array<1 | 2 | 3>) => new Map(which.map((n) => [`node-${n}`, node(n)]));
  const redisPrefix = freshRedisKeyPrefix();

  const start = (nodeId: string) =>
    startServeNode(nodeId, database!.url, dataDir!, {
      LOGIN_RATE_LIMIT: String(LOGIN_LIMIT),
      HEARTBEAT_TIMEOUT_S: String(HEARTBEAT_TIMEOUT_S),
      HEARTBEAT_INTERVAL_S: '1',
      METRICS_TOKEN,
      ...(testRedisUrl && { REDIS_URL: testRedisUrl, REDIS_KEY_PREFIX: redisPrefix }),
    });

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-three-nodes-'));
    await timings.measure(
      'start: node-1 (creates the schema), then node-2 and node-3 together, until /readyz',
      async () => {
        nodes.push(await start('node-1'));
        nodes.push(...(await Promise.all([start('node-2'), start('node-3')])));
      },
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(nodes.map((served) => stopServeNode(served)));
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    timings.report(
      'three serve processes, one PostgreSQL database: step timings',
      process.env.THREE_NODES_TIMINGS_FILE,
    );
  });

  let owner: TestUser;
  let viewer: TestUser;
  let gateway: ProvisionedGateway;

  it(
    'read-your-writes: what one node answered is read on another right after, without retrying',
    async () => {
      await timings.measure('read-your-writes: register on node-1 → profile on node-2', async () => {
        owner = await registerUser(node(1), 'owner');
        const profile = await new HttpClient(node(2).url, owner.access).get('/api/auth/profile');
        expect(profile.status, JSON.stringify(profile.body)).toBe(200);
        expect(profile.body.id).toBe(owner.id);
      });
      await timings.measure('read-your-writes: provision on node-2 → gateway on node-3', async () => {
        gateway = await provisionGateway(new HttpClient(node(2).url, owner.access));
        const read = await new HttpClient(node(3).url, owner.access).get(`/api/gateways/${gateway.gatewayId}/`);
        expect(read.status, JSON.stringify(read.body)).toBe(200);
        expect(read.body).toMatchObject({ id: gateway.gatewayId, home_id: gateway.homeId, status: 'pending' });
      });
      viewer = await registerUser(node(2), 'viewer');
      await timings.measure('read-your-writes: grant on node-3 → the member lists the home on node-1', async () => {
        const granted = await new HttpClient(node(3).url, owner.access).post(
          `/api/gateways/homes/${gateway.homeId}/permissions/`,
          { user_id: viewer.id, role: 'viewer' },
        );
        expect(granted.status, JSON.stringify(granted.body)).toBe(201);
        const homes = await new HttpClient(node(1).url, viewer.access).get('/api/homes/');
        expect(homes.status).toBe(200);
        expect(JSON.stringify(homes.body)).toContain(gateway.homeId);
      });
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a command taken by one node reaches the gateway connected to another, and its outcome comes back (200)',
    async () => {
      const ranOn: string[] = [];
      const edge = new EdgeClient({
        url: node(1).url.replace(/^http/, 'ws'),
        gatewayId: gateway.gatewayId,
        secret: gateway.secret,
        onCommand: async (command) => (ranOn.push(command.deviceId), { status: 'ok', result: { ran: true } }),
        snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
      });
      const connected = firstValueFrom(edge.eventsOfType('connected'));
      edge.start();
      try {
        await within(connected, 10_000, 'the edge client connecting to node-1');
        await timings.measure('gateway connected to node-1 is seen online by node-3', () =>
          vi.waitFor(async () => {
            const read = await new HttpClient(node(3).url, owner.access).get(`/api/gateways/${gateway.gatewayId}/`);
            expect(read.body.status).toBe('online');
          }, ACROSS_NODES),
        );
        for (const taker of [3, 2] as const) {
          const response = await timings.measure(`command taken by node-${taker}, gateway on node-1 → 200`, () =>
            new HttpClient(node(taker).url, owner.access).post(`/api/gateways/${gateway.gatewayId}/commands/`, {
              device_id: `light-${taker}`,
              action: 'turn_on',
            }),
          );
          expect(response.status, JSON.stringify(response.body)).toBe(200);
          expect(response.body).toMatchObject({ status: 'succeeded', result: { ran: true } });
          const detail = await new HttpClient(node(taker).url, owner.access).get(`/api/commands/${response.body.id}/`);
          const dispatched = detail.body.history.find(
            (entry: { type: string }) => entry.type === 'RemoteCommandDispatched',
          );
          expect(dispatched.data.node_id).toBe('node-1');
        }
        expect(ranOn).toEqual(['light-3', 'light-2']);
      } finally {
        await edge.close();
      }
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a revocation on one node closes the session it ends on another (an app socket, a gateway)',
    async () => {
      const appSocket = await AppLiveSocket.connect(node(2).url, gateway.homeId, viewer.access);
      await timings.measure('permission revoked on node-3 → the app socket on node-2 closes (4403)', async () => {
        const revoked = await new HttpClient(node(3).url, owner.access).delete(
          `/api/gateways/homes/${gateway.homeId}/permissions/${viewer.id}/`,
        );
        expect(revoked.status).toBe(204);
        expect(await within(appSocket.closed, 15_000, 'the app socket on node-2 closing')).toEqual({
          code: 4403,
          reason: 'your access to this home was revoked',
        });
      });

      const gatewaySocket = await GatewaySocket.connect(node(1).url, gateway);
      await gatewaySocket.next('welcome');
      await timings.measure('gateway revoked on node-2 → its session on node-1 closes (4401)', async () => {
        const revoked = await new HttpClient(node(2).url, owner.access).post(
          `/api/gateways/${gateway.gatewayId}/revoke`,
        );
        expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
        expect(await within(gatewaySocket.closed, 15_000, 'the gateway session on node-1 closing')).toEqual({
          code: 4401,
          reason: 'revoked',
        });
      });
    },
    STEP_TIMEOUT_MS,
  );

  it.skipIf(!testRedisUrl)(
    'the login limit is shared through Redis: wrong passwords spread over three nodes hit 429 (needs TEST_REDIS_URL)',
    async () => {
      const target = await registerUser(node(1), 'target');
      const login = (n: 1 | 2 | 3, password: string) =>
        new HttpClient(node(n).url).post('/api/auth/login', { email: target.email, password });
      await timings.measure(`${LOGIN_LIMIT} wrong passwords over three nodes → 429 on the next node`, async () => {
        // Two per node: each node alone is far below the limit; only the shared count reaches it.
        for (let attempt = 0; attempt < LOGIN_LIMIT; attempt += 1) {
          const response = await login(((attempt % 3) + 1) as 1 | 2 | 3, 'wrong password');
          expect(response.status, `attempt ${attempt + 1}: ${JSON.stringify(response.body)}`).toBe(401);
        }
        const limited = await login(1, 'wrong password');
        expect(limited.status, JSON.stringify(limited.body)).toBe(429);
        expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      });
      // Locked for this (e-mail, address) on every node, even with the right password.
      for (const n of [2, 3] as const) expect((await login(n, 'correct horse battery')).status).toBe(429);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    'a projection is applied once: each one by exactly one node (its lease), and writes are read everywhere',
    async () => {
      const applier = await timings.measure('every projection has exactly one applier among the three nodes', () =>
        vi.waitFor(() => expectOneApplierEach(named(1, 2, 3)), ACROSS_NODES),
      );
      console.log(`projection appliers: ${JSON.stringify(Object.fromEntries(applier))}`);
      // Whichever node applies a projection, a write on any node is read on any other right after.
      const reader = await registerUser(node(3), 'reader');
      const profile = await new HttpClient(node(1).url, reader.access).get('/api/auth/profile');
      expect(profile.status, JSON.stringify(profile.body)).toBe(200);
    },
    STEP_TIMEOUT_MS,
  );

  it(
    "a node killed with SIGKILL: another closes its gateway's session (node_lost), the gateway goes offline (409), its projections move",
    async () => {
      // The victim is a node that applies projections, so the kill shows their take-over too.
      const applierOf = await expectOneApplierEach(named(1, 2, 3));
      const victim = Number([...applierOf.values()][0]!.slice('node-'.length)) as 1 | 2 | 3;
      const [observer, taker] = ([1, 2, 3] as const).filter((n) => n !== victim) as [1 | 2 | 3, 1 | 2 | 3];
      const lostOwner = await registerUser(node(observer), 'lost');
      const lost = await provisionGateway(lostOwner);
      const edge = new EdgeClient({
        // The victim only: reconnecting elsewhere would bring the gateway back online (failover is the edge's job).
        url: node(victim).url.replace(/^http/, 'ws'),
        gatewayId: lost.gatewayId,
        secret: lost.secret,
        onCommand: async () => ({ status: 'ok' }),
        snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
        reconnect: { baseDelayMs: 100, maxDelayMs: 500 },
      });
      const connected = firstValueFrom(edge.eventsOfType('connected'));
      edge.start();
      try {
        const { sessionId } = await within(connected, 10_000, `the edge client connecting to node-${victim}`);
        const onObserver = new HttpClient(node(observer).url, lostOwner.access);
        await vi.waitFor(async () => {
          expect((await onObserver.get(`/api/gateways/${lost.gatewayId}/`)).body.status).toBe('online');
        }, ACROSS_NODES);

        const exited = new Promise((resolve) => node(victim).child.once('exit', resolve));
        node(victim).child.kill('SIGKILL');
        await exited;
        await timings.measure(
          `node-${victim} killed (SIGKILL) → its session closed node_lost and the gateway offline on node-${observer} (HEARTBEAT_TIMEOUT_S=${HEARTBEAT_TIMEOUT_S})`,
          () =>
            vi.waitFor(
              async () => {
                const sessions = await onObserver.get(`/api/gateways/${lost.gatewayId}/sessions/`);
                const session = sessions.body.items.find(
                  (item: { session_id: string }) => item.session_id === sessionId,
                );
                expect(session?.close_reason).toBe('node_lost');
                expect((await onObserver.get(`/api/gateways/${lost.gatewayId}/`)).body.status).toBe('offline');
              },
              // The promise is HEARTBEAT_TIMEOUT_S; the slack is this test's polling on a loaded machine.
              { timeout: HEARTBEAT_TIMEOUT_S * 1000 + 2000, interval: 100 },
            ),
        );
        const command = await new HttpClient(node(taker).url, lostOwner.access).post(
          `/api/gateways/${lost.gatewayId}/commands/`,
          { device_id: 'lamp', action: 'toggle', ttl_s: 0 },
        );
        expect(command.status, JSON.stringify(command.body)).toBe(409);
        expect(command.body.error.code).toBe('gateway_offline');

        const taken = [...applierOf].filter(([, applier]) => applier === `node-${victim}`).map(([name]) => name);
        await timings.measure(
          `the ${taken.length} projections node-${victim} applied are taken over: one applier each among the survivors`,
          () => vi.waitFor(() => expectOneApplierEach(named(observer, taker)), ACROSS_NODES),
        );
      } finally {
        await edge.close();
      }
    },
    STEP_TIMEOUT_MS,
  );
});
