import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connectDatabase, type DatabaseTarget } from '../../src/database/connect.ts';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import { createLogger } from '../../src/logger.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { connectedGateway, provisionGateway, registerUser } from '../support/fixtures.ts';
import type { GatewaySocket } from '../support/gateway-socket.ts';
import { startServeNode, stopServeNode, type ServeNode } from '../support/serve-node.ts';

/**
 * SIGTERM with many sessions open: the process exits 0 after every session got its `BridgeSessionClosed
 * server_shutdown` (how long it takes is `npm run bench:shutdown`'s business, with 1,000 sessions).
 */
const SESSIONS = 60;

async function shutdownCloses(target: DatabaseTarget): Promise<string[]> {
  const database = connectDatabase(target);
  const store = await openPostgresEventStore(database, createLogger('silent'));
  try {
    const events = await store.readAll({ filter: { eventTypes: ['BridgeSessionClosed'] }, maxCount: 10_000 });
    return events
      .filter((event) => event.data.reason === 'server_shutdown')
      .map((event) => String(event.data.session_id));
  } finally {
    await store.close();
    await database.close();
  }
}

const shapes = ['pglite', ...(process.env.TEST_DATABASE_URL ? ['postgres' as const] : [])] as const;

describe.each(shapes)(`SIGTERM with ${SESSIONS} sessions open (%s)`, (shape) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-shutdown-sessions-'));
  let node: ServeNode | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  const sockets: GatewaySocket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.ws.terminate();
    await stopServeNode(node);
    await dropDatabase?.();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('closes every session with server_shutdown in the log, and exits 0', async () => {
    let target: DatabaseTarget;
    if (shape === 'postgres') {
      const database = await freshPostgresDatabase();
      dropDatabase = database.drop;
      node = await startServeNode('node-shutdown', database.url, dataDir);
      target = { kind: 'postgres', url: database.url, poolMax: 2 };
    } else {
      fs.cpSync(inject('pgliteTemplateDir'), path.join(dataDir, 'pglite'), { recursive: true });
      node = await startServeNode('node-shutdown', null, dataDir, { DATA_DIR: dataDir });
      target = { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
    }
    const owner = await registerUser(node, 'shutdown');
    const sessionIds: string[] = [];
    for (let i = 0; i < SESSIONS; i++) {
      const gateway = await provisionGateway(owner, { name: `Gateway ${i}` });
      const { socket, welcome } = await connectedGateway(node, gateway);
      sockets.push(socket);
      sessionIds.push(String(welcome.payload.session_id));
    }

    const exited = new Promise<number | null>((resolve) => node!.child.once('exit', (code) => resolve(code)));
    node.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const closes = await Promise.all(sockets.map((socket) => socket.closed));
    expect(new Set(closes.map((close) => close.code))).toEqual(new Set([1001]));
    expect((await shutdownCloses(target)).sort()).toEqual([...sessionIds].sort());
  }, 180_000);
});
