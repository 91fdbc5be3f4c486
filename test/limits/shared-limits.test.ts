import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseTargets } from '../support/databases.ts';
import { GatewaySocket, type HandshakeRefused } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { freshRedisKeyPrefix, testRedisUrl } from '../support/redis.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const PASSWORD = 'correct horse battery';
const ATTACKER = { 'x-forwarded-for': '203.0.113.9' };
const OWNER = { 'x-forwarded-for': '198.51.100.7' };

// Several nodes on one Redis, as an operator runs them: each test has its own key prefix, so counters of parallel
// files (and of the other tests here) never meet.
describe.skipIf(testRedisUrl === undefined).each(databaseTargets())('limits shared through Redis (%s)', (target) => {
  const running: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.stop()));
  });

  async function node(keyPrefix: string, env: Record<string, string> = {}): Promise<TestServer> {
    const server = await startTestServer(target, {
      REDIS_URL: testRedisUrl!,
      REDIS_KEY_PREFIX: keyPrefix,
      TRUST_PROXY: 'true',
      LOGIN_RATE_LIMIT: '10',
      ...env,
    });
    running.push(server);
    return server;
  }

  /** The same account on every node (each node has its own stores here; the limits are what they share). */
  async function accountOn(servers: readonly TestServer[], email: string): Promise<void> {
    for (const server of servers) {
      const registered = await new HttpClient(server.url).post('/api/auth/register', { email, password: PASSWORD });
      expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    }
  }

  async function login(server: TestServer, email: string, password: string, from: Record<string, string>) {
    return new HttpClient(server.url).request('POST', '/api/auth/login', { email, password }, from);
  }

  it('10 wrong passwords spread over two nodes: the 11th is 429 on either', async () => {
    const prefix = freshRedisKeyPrefix();
    const nodes = [await node(prefix), await node(prefix)] as const;
    const email = `victim-${randomUUID().slice(0, 8)}@example.com`;
    await accountOn(nodes, email);
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await login(nodes[i % 2]!, email, 'wrong', ATTACKER)).status);
    expect(statuses).toEqual(Array(10).fill(401));
    for (const server of nodes) {
      const limited = await login(server, email, 'wrong', ATTACKER);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    }
  });

  it('a stranger cannot lock an account out: the owner at another address still logs in on either node', async () => {
    const prefix = freshRedisKeyPrefix();
    const nodes = [await node(prefix), await node(prefix)] as const;
    const email = `victim-${randomUUID().slice(0, 8)}@example.com`;
    await accountOn(nodes, email);
    for (let i = 0; i < 10; i++) await login(nodes[i % 2]!, email, 'wrong', ATTACKER);
    // The attacker's address is limited for this account, even with the right password…
    expect((await login(nodes[0], email, PASSWORD, ATTACKER)).status).toBe(429);
    // …the owner's is not.
    expect((await login(nodes[0], email, PASSWORD, OWNER)).status).toBe(200);
    expect((await login(nodes[1], email, PASSWORD, OWNER)).status).toBe(200);
  });

  it('a limit survives restarting the node (its counts are in Redis)', async () => {
    const prefix = freshRedisKeyPrefix();
    const email = `victim-${randomUUID().slice(0, 8)}@example.com`;
    const first = await node(prefix);
    await accountOn([first], email);
    for (let i = 0; i < 10; i++) expect((await login(first, email, 'wrong', ATTACKER)).status).toBe(401);
    await first.stop();
    running.splice(running.indexOf(first), 1);
    const restarted = await node(prefix);
    await accountOn([restarted], email);
    expect((await login(restarted, email, PASSWORD, ATTACKER)).status).toBe(429);
  });

  it('failed bridge handshakes from one address count on every node (the per-address cap is shared)', async () => {
    const prefix = freshRedisKeyPrefix();
    // BRIDGE_AUTH_FAILURE_LIMIT 1: one free failure per source, and 10 failures a minute per address.
    const nodes = [
      await node(prefix, { BRIDGE_AUTH_FAILURE_LIMIT: '1' }),
      await node(prefix, { BRIDGE_AUTH_FAILURE_LIMIT: '1' }),
    ] as const;
    const gatewayIds = Array.from({ length: 10 }, () => randomUUID());
    const handshake = async (server: TestServer, gatewayId: string) => {
      const refused = await GatewaySocket.connect(server.url, { gatewayId, secret: 'guess' }, { headers: ATTACKER })
        .then((socket) => socket.close())
        .catch((error: unknown) => error);
      return (refused as HandshakeRefused).status;
    };
    // Ten gateway ids, one failure each, spread over the two nodes: no source is backing off yet.
    const statuses = [];
    for (const [i, gatewayId] of gatewayIds.entries()) statuses.push(await handshake(nodes[i % 2]!, gatewayId));
    expect(statuses).toEqual(Array(10).fill(401));
    // The address is over its cap on both nodes: ids that failed from it are refused unchecked on either…
    expect(await handshake(nodes[0], gatewayIds[1]!)).toBe(429);
    expect(await handshake(nodes[1], gatewayIds[0]!)).toBe(429);
    // …an id that has not failed from there is still checked (a neighbour behind the same NAT).
    expect(await handshake(nodes[1], randomUUID())).toBe(401);
  });
});
