import { expect } from 'vitest';
import type { JsonResponse } from '../support/http.ts';
import { HttpClient } from '../support/http.ts';
import type { TestServer } from '../support/test-server.ts';

/** A home with a gateway, an owner, another user, a pairing code: everything the write endpoints need. */
export interface HostileFixture {
  anonymous: HttpClient;
  owner: HttpClient;
  homeId: string;
  gatewayId: string;
  otherUserId: string;
  refresh: string;
}

export async function hostileFixture(server: TestServer): Promise<HostileFixture> {
  const anonymous = new HttpClient(server.url);
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const owner = await anonymous.post('/api/auth/register', {
    email: `owner-${stamp}@example.com`,
    password: 'correct horse battery',
  });
  expect(owner.status).toBe(201);
  const other = await anonymous.post('/api/auth/register', {
    email: `other-${stamp}@example.com`,
    password: 'correct horse battery',
  });
  expect(other.status).toBe(201);
  const ownerHttp = anonymous.withToken(owner.body.access);
  const provisioned = await ownerHttp.post('/api/gateways/provision', { name: 'Hall' });
  expect(provisioned.status).toBe(201);
  return {
    anonymous,
    owner: ownerHttp,
    homeId: provisioned.body.home_id,
    gatewayId: provisioned.body.id,
    otherUserId: other.body.user.id,
    refresh: owner.body.refresh,
  };
}

/** A JSON body endpoint and the fields its schema reads. */
export interface BodyEndpoint {
  readonly method: 'POST' | 'PATCH' | 'PUT';
  readonly path: string;
  readonly fields: readonly string[];
  readonly authenticated: boolean;
}

export function bodyEndpoints(fixture: HostileFixture): BodyEndpoint[] {
  const { homeId, gatewayId, otherUserId } = fixture;
  const anon = (path: string, fields: string[]): BodyEndpoint => ({
    method: 'POST',
    path,
    fields,
    authenticated: false,
  });
  const post = (path: string, fields: string[]): BodyEndpoint => ({
    method: 'POST',
    path,
    fields,
    authenticated: true,
  });
  const patch = (path: string, fields: string[]): BodyEndpoint => ({
    method: 'PATCH',
    path,
    fields,
    authenticated: true,
  });
  const put = (path: string, fields: string[]): BodyEndpoint => ({ method: 'PUT', path, fields, authenticated: true });
  return [
    anon('/api/auth/register', ['email', 'password', 'name', 'first_name', 'last_name', 'password2']),
    anon('/api/auth/login', ['email', 'password']),
    anon('/api/auth/refresh', ['refresh']),
    anon('/api/auth/logout', ['refresh']),
    patch('/api/auth/profile', ['name', 'email']),
    put('/api/auth/profile', ['name', 'email']),
    post('/api/auth/change-password', ['old_password', 'new_password']),
    post('/api/gateways/provision', ['name', 'home_id']),
    patch(`/api/gateways/${gatewayId}`, ['name']),
    put(`/api/gateways/${gatewayId}`, ['name']),
    patch(`/api/homes/${homeId}`, ['name']),
    put(`/api/homes/${homeId}`, ['name']),
    post('/api/gateways/request-pairing', ['home_id', 'name', 'home_name', 'expiry_minutes']),
    anon('/api/gateways/complete-pairing', ['code', 'pairing_code', 'gateway_uuid', 'home_id', 'name', 'version']),
    post(`/api/gateways/homes/${homeId}/permissions/`, ['email', 'user_id', 'role']),
    patch(`/api/gateways/homes/${homeId}/permissions/${otherUserId}`, ['role']),
    post(`/api/gateways/${gatewayId}/commands`, [
      'device_id',
      'action',
      'params',
      'command_id',
      'wait',
      'timeout_s',
      'ttl_s',
    ]),
    post(`/api/remote/homes/${homeId}/entities/12/control`, ['command', 'value', 'command_id']),
  ];
}

export function send(fixture: HostileFixture, endpoint: BodyEndpoint, bodyText: string): Promise<JsonResponse> {
  const client = endpoint.authenticated ? fixture.owner : fixture.anonymous;
  return client.request(endpoint.method, endpoint.path, bodyText);
}

/** A refusal as the API promises it: a 4xx with `{ error: { code, message } }`. */
export function expectJsonRefusal(response: JsonResponse, what: string): void {
  expect(
    response.status,
    `${what} → ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`,
  ).toBeGreaterThanOrEqual(400);
  expect(response.status, `${what} → ${JSON.stringify(response.body)?.slice(0, 300)}`).toBeLessThan(500);
  expect(typeof response.body?.error?.code, what).toBe('string');
  expect(typeof response.body?.error?.message, what).toBe('string');
}

/** JSON text nested `depth` levels deep, built as text (JSON.stringify of such a value would itself recurse). */
export function nestedJsonText(depth: number, kind: 'array' | 'object' = 'array'): string {
  return kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}
