import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { firstValueFrom } from 'rxjs';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { EdgeClient } from '../../src/edge/index.ts';
import type { EventStore, RecordedEvent } from '../../src/eventstore/port.ts';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import type { PostgresEventStore } from '../../src/eventstore/postgres/postgres-event-store.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { createLogger } from '../../src/logger.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import {
  provisionGateway,
  registerUser,
  type ProvisionedGateway,
  type ServerAddress,
  type TestUser,
} from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startServeNode, stopServeNode, type ServeNode } from '../support/serve-node.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A node killed with SIGKILL never closes its sessions; another node does, with `node_lost`, once the dead node's
 * lease ran out — within HEARTBEAT_TIMEOUT_S (small here, so each wait below is bounded by it).
 */
const HEARTBEAT_TIMEOUT_S = 8;
const NODE_ENV = { HEARTBEAT_TIMEOUT_S: String(HEARTBEAT_TIMEOUT_S), HEARTBEAT_INTERVAL_S: '1' };
/** From the kill until the session is closed, the gateway offline and a command refused. */
const WITHIN_HEARTBEAT_TIMEOUT = { timeout: HEARTBEAT_TIMEOUT_S * 1000, interval: 100 } as const;

/** The JWT secret of serve nodes (serve-node.ts), so the replacement server accepts the killed node's tokens. */
const SERVE_NODE_JWT_SECRET = 'two-process-test-secret-0123456789-abcdefghij';

interface OwnedGateway extends ProvisionedGateway {
  owner: TestUser;
}

async function ownedGateway(server: ServerAddress, label: string): Promise<OwnedGateway> {
  const owner = await registerUser(server, label);
  return { ...(await provisionGateway(owner)), owner };
}

function edgeClient(urls: string[], gateway: ProvisionedGateway): EdgeClient {
  return new EdgeClient({
    url: urls.map((url) => url.replace(/^http/, 'ws')),
    gatewayId: gateway.gatewayId,
    secret: gateway.secret,
    onCommand: async () => ({ status: 'ok' }),
    snapshot: () => ({ devices: [], rooms: [], scenes: [] }),
    reconnect: { baseDelayMs: 100, maxDelayMs: 500 },
  });
}

async function connect(client: EdgeClient): Promise<string> {
  const connected = firstValueFrom(client.eventsOfType('connected'));
  client.start();
  return (await connected).sessionId;
}

function killed(node: ServeNode): Promise<unknown> {
  const exited = new Promise((resolve) => node.child.once('exit', resolve));
  node.child.kill('SIGKILL');
  return exited;
}

/** The session's closes in the log: there must be exactly one. */
async function closesOf(store: EventStore, gatewayId: string, sessionId: string): Promise<RecordedEvent[]> {
  const events = await store.readStream(`gateway_telemetry-${gatewayId}`);
  return events.filter((event) => event.type === 'BridgeSessionClosed' && event.data.session_id === sessionId);
}

/** What a member sees on `survivor` once the gateway's only session died with its node. */
async function expectOfflineAfterNodeLost(survivor: ServerAddress, gateway: OwnedGateway, sessionId: string) {
  const user = new HttpClient(survivor.url, gateway.owner.access);
  await vi.waitFor(async () => {
    const sessions = await user.get(`/api/gateways/${gateway.gatewayId}/sessions/`);
    const session = sessions.body.items.find((item: { session_id: string }) => item.session_id === sessionId);
    expect(session?.close_reason).toBe('node_lost');
    expect((await user.get(`/api/gateways/${gateway.gatewayId}/`)).body.status).toBe('offline');
  }, WITHIN_HEARTBEAT_TIMEOUT);
  const command = await user.post(`/api/gateways/${gateway.gatewayId}/commands/`, {
    device_id: 'lamp',
    action: 'toggle',
    ttl_s: 0,
  });
  expect(command.status).toBe(409);
  expect(command.body.error.code).toBe('gateway_offline');
}

describe.runIf(process.env.TEST_DATABASE_URL)('a node killed with SIGKILL (two serve processes, Postgres)', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let store: PostgresEventStore;
  let closeStore: () => Promise<void>;
  const nodes: ServeNode[] = [];
  const clients: EdgeClient[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-node-lost-'));
    // One after the other: the first creates the schema and the read-model tables.
    nodes.push(await startServeNode('node-a', database.url, dataDir, NODE_ENV));
    nodes.push(await startServeNode('node-b', database.url, dataDir, NODE_ENV));
    const connection = connectDatabase({ kind: 'postgres', url: database.url, poolMax: 2 });
    store = await openPostgresEventStore(connection, createLogger('silent'));
    closeStore = async () => {
      await store.close();
      await connection.close();
    };
  }, 120_000);
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await Promise.all(nodes.map((node) => stopServeNode(node)));
    await closeStore?.();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("node B closes node A's sessions with node_lost; a gateway that knows both URLs fails over to B", async () => {
    const [a, b] = nodes as [ServeNode, ServeNode];
    const stranded = await ownedGateway(b, 'stranded');
    const roaming = await ownedGateway(b, 'roaming');
    // One gateway knows only node A; the other knows A first, then B.
    const strandedClient = edgeClient([a.url], stranded);
    const roamingClient = edgeClient([a.url, b.url], roaming);
    clients.push(strandedClient, roamingClient);
    const strandedSession = await connect(strandedClient);
    const roamingSession = await connect(roamingClient);
    const reconnected = firstValueFrom(roamingClient.eventsOfType('connected'));

    await killed(a);

    // The gateway with a second URL is back, on node B, in a new session.
    const onB = await reconnected;
    expect(onB.sessionId).not.toBe(roamingSession);
    await expectOfflineAfterNodeLost(b, stranded, strandedSession);
    await vi.waitFor(async () => {
      const [close] = await closesOf(store, roaming.gatewayId, roamingSession);
      expect(close?.data.reason).toBe('node_lost');
    }, WITHIN_HEARTBEAT_TIMEOUT);

    for (const [gateway, sessionId] of [
      [stranded, strandedSession],
      [roaming, roamingSession],
    ] as const) {
      const closes = await closesOf(store, gateway.gatewayId, sessionId);
      expect(closes.map((event) => event.data.reason)).toEqual(['node_lost']);
      // Written by node B, for the session it ends.
      expect(closes[0]!.metadata).toMatchObject({
        actor: { kind: 'system', id: 'bridge-node-lost' },
        client_address: 'node-b',
        correlation_id: sessionId,
      });
    }
    expect((await roaming.user.get(`/api/gateways/${roaming.gatewayId}/`)).body.status).toBe('online');
  }, 60_000);
});

describe('a node killed with SIGKILL and replaced under another NODE_ID (PGlite)', () => {
  let dataDir: string;
  let killedNode: ServeNode | undefined;
  let replacement: TestServer | undefined;
  let client: EdgeClient | undefined;

  beforeAll(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-node-replaced-'));
    fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'pglite'), { recursive: true });
  });
  afterAll(async () => {
    await client?.close();
    await stopServeNode(killedNode);
    await replacement?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('the replacement closes the dead node’s session with node_lost once its lease ran out', async () => {
    killedNode = await startServeNode('node-old', null, dataDir, { ...NODE_ENV, DATA_DIR: dataDir });
    const gateway = await ownedGateway(killedNode, 'replaced');
    client = edgeClient([killedNode.url], gateway);
    const sessionId = await connect(client);
    await killed(killedNode);
    await client.close();

    replacement = await startTestServer('pglite', {
      ...NODE_ENV,
      DATA_DIR: dataDir,
      NODE_ID: 'node-new',
      JWT_SECRET: SERVE_NODE_JWT_SECRET,
    });
    const store = replacement.stores.eventStore;
    await vi.waitFor(
      async () => expect((await closesOf(store, gateway.gatewayId, sessionId)).length).toBe(1),
      WITHIN_HEARTBEAT_TIMEOUT,
    );
    const [close] = await closesOf(store, gateway.gatewayId, sessionId);
    expect(close!.data.reason).toBe('node_lost');
    expect(close!.metadata).toMatchObject({ client_address: 'node-new' });
    await expectOfflineAfterNodeLost(replacement, gateway, sessionId);
  }, 120_000);
});
