import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { GatewaySocket, type ReceivedFrame } from './gateway-socket.ts';
import { HttpClient } from './http.ts';
import type { TestServer } from './test-server.ts';

/**
 * The people, homes and gateways tests start from, made through the REST API as a client would. One place for
 * them, so that a change to registration or provisioning is one change here.
 */

/** Anything listening for the API: an in-process test server or a served node (a child process). */
export interface ServerAddress {
  readonly url: string;
}

/** How long a test waits for a read model to catch up with the log (it follows within milliseconds). */
export const READ_MODEL_LAG = { timeout: 5_000, interval: 25 } as const;

export interface TestUser {
  id: string;
  email: string;
  http: HttpClient;
  /** The tokens registration answered. */
  access: string;
  refresh: string;
}

export async function registerUser(server: ServerAddress, label = 'user'): Promise<TestUser> {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const response = await new HttpClient(server.url).post('/api/auth/register', {
    email,
    password: 'correct horse battery',
    name: label,
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  const { access, refresh } = response.body;
  return { id: response.body.user.id, email, http: new HttpClient(server.url, access), access, refresh };
}

export interface ProvisionedGateway {
  /** The owner who provisioned it (a new home is created for it unless `homeId` was given). */
  user: HttpClient;
  gatewayId: string;
  homeId: string;
  secret: string;
}

export async function provisionGateway(
  owner: TestUser | HttpClient,
  body: { name?: string; home_id?: string } = { name: 'Hall' },
): Promise<ProvisionedGateway> {
  const user = owner instanceof HttpClient ? owner : owner.http;
  const response = await user.post('/api/gateways/provision', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { user, gatewayId: response.body.id, homeId: response.body.home_id, secret: response.body.secret };
}

/** A new owner with a new gateway in a new home. */
export async function ownerWithGateway(server: ServerAddress, label = 'owner'): Promise<ProvisionedGateway> {
  return provisionGateway(await registerUser(server, label));
}

/** A gateway socket past its handshake: the welcome is taken off the queue and returned beside it. */
export async function connectedGateway(
  server: ServerAddress,
  credentials: { gatewayId: string; secret: string },
  options: Parameters<typeof GatewaySocket.connect>[2] = {},
): Promise<{ socket: GatewaySocket; welcome: ReceivedFrame }> {
  const socket = await GatewaySocket.connect(server.url, credentials, options);
  const welcome = await socket.next('welcome');
  return { socket, welcome };
}

export type Member = 'owner' | 'admin' | 'user' | 'viewer' | 'stranger';
export const MEMBERS: readonly Member[] = ['stranger', 'viewer', 'user', 'admin', 'owner'];

export interface TestHome {
  homeId: string;
  gatewayId: string;
  secret: string;
  people: Record<Member, TestUser>;
}

/** A home (created by provisioning its gateway) with one person in each role, and a stranger. */
export async function homeWithEveryRole(server: ServerAddress): Promise<TestHome> {
  const [owner, admin, user, viewer, stranger] = await Promise.all(
    (['owner', 'admin', 'user', 'viewer', 'stranger'] as const).map((label) => registerUser(server, label)),
  );
  const { homeId, gatewayId, secret } = await provisionGateway(owner!);
  for (const [person, role] of [
    [admin!, 'admin'],
    [user!, 'user'],
    [viewer!, 'viewer'],
  ] as const) {
    const granted = await owner!.http.post(`/api/gateways/homes/${homeId}/permissions/`, { user_id: person.id, role });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
  }
  return {
    homeId,
    gatewayId,
    secret,
    people: { owner: owner!, admin: admin!, user: user!, viewer: viewer!, stranger: stranger! },
  };
}

/** The head of the event log: unchanged across a request means the request appended nothing. */
export async function headOf(server: TestServer) {
  return server.stores.eventStore.headPosition();
}
