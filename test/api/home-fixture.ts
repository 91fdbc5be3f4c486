import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { HttpClient } from '../support/http.ts';
import type { TestServer } from '../support/test-server.ts';

export interface TestUser {
  id: string;
  email: string;
  http: HttpClient;
}

export type Member = 'owner' | 'admin' | 'user' | 'viewer' | 'stranger';
export const MEMBERS: readonly Member[] = ['stranger', 'viewer', 'user', 'admin', 'owner'];

export async function registerUser(server: TestServer, label = 'user'): Promise<TestUser> {
  const email = `${label}-${randomUUID().slice(0, 8)}@example.com`;
  const response = await new HttpClient(server.url).post('/api/auth/register', { email, password: 'correct horse battery', name: label });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return { id: response.body.user.id, email, http: new HttpClient(server.url, response.body.access) };
}

export interface TestHome {
  homeId: string;
  gatewayId: string;
  secret: string;
  people: Record<Member, TestUser>;
}

/** A home (created by provisioning its gateway) with one person in each role, and a stranger. */
export async function homeWithEveryRole(server: TestServer): Promise<TestHome> {
  const [owner, admin, user, viewer, stranger] = await Promise.all(
    (['owner', 'admin', 'user', 'viewer', 'stranger'] as const).map((label) => registerUser(server, label)),
  );
  const provisioned = await owner!.http.post('/api/gateways/provision', { name: 'Hall' });
  expect(provisioned.status, JSON.stringify(provisioned.body)).toBe(201);
  const homeId = provisioned.body.home_id as string;
  for (const [person, role] of [[admin!, 'admin'], [user!, 'user'], [viewer!, 'viewer']] as const) {
    const granted = await owner!.http.post(`/api/gateways/homes/${homeId}/permissions/`, { user_id: person.id, role });
    expect(granted.status, JSON.stringify(granted.body)).toBe(201);
  }
  return {
    homeId,
    gatewayId: provisioned.body.id,
    secret: provisioned.body.secret,
    people: { owner: owner!, admin: admin!, user: user!, viewer: viewer!, stranger: stranger! },
  };
}

/** The head of the event log: unchanged across a request means the request appended nothing. */
export async function headOf(server: TestServer) {
  return server.stores.eventStore.headPosition();
}
