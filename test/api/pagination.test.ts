import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient, JsonResponse } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { provisionGateway, registerUser, type TestUser } from '../support/fixtures.ts';

/** The path of the next page, from the Link header of an array list (null on the last page). */
function nextLink(response: JsonResponse): string | null {
  const link = response.headers.get('link');
  if (link === null) {
    expect(response.headers.get('x-next-cursor')).toBeNull();
    return null;
  }
  const match = /^<([^>]+)>; rel="next"$/.exec(link);
  expect(match, link).not.toBeNull();
  expect(new URL(match![1]!, 'http://x').searchParams.get('cursor')).toBe(response.headers.get('x-next-cursor'));
  return match![1]!;
}

/** Follows Link headers from `first`, running `between` after each page; the ids of every item, in order. */
async function walkArray(http: HttpClient, first: string, between: () => Promise<unknown> = async () => {}) {
  const ids: string[] = [];
  let path: string | null = first;
  while (path !== null) {
    const response = await http.get(path);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(Array.isArray(response.body)).toBe(true);
    ids.push(...response.body.map((item: { id?: string; user_id?: string }) => item.id ?? item.user_id));
    path = nextLink(response);
    if (path !== null) await between();
  }
  return ids;
}

const expectEachOnce = (ids: string[], expected: string[]) => {
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids).toEqual(expect.arrayContaining(expected));
};

describe.each(serverTargets())('list pagination (%s)', (target) => {
  let server: TestServer;
  let owner: TestUser;
  let gatewayIds: string[];

  beforeAll(async () => {
    server = await startTestServer(target);
    owner = await registerUser(server, 'owner');
    gatewayIds = [];
    for (let i = 0; i < 5; i++) gatewayIds.push((await provisionGateway(owner, { name: `G${i}` })).gatewayId);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('walks the gateways a page at a time, each once in order, while more are provisioned', async () => {
    const added: string[] = [];
    const ids = await walkArray(owner.http, '/api/gateways/?limit=2', async () => {
      added.push((await provisionGateway(owner, { name: 'Late' })).gatewayId);
    });
    expectEachOnce(ids, gatewayIds);
    // Oldest first: the ones provisioned during the walk come after, and the walk reaches them.
    expect(ids.slice(0, gatewayIds.length)).toEqual(gatewayIds);
    expect(ids).toEqual([...gatewayIds, ...added.filter((id) => ids.includes(id))]);
    gatewayIds = ids;
  });

  it('answers the gateways as a bare array of at most 50 without a query, with a Link when more follow', async () => {
    const response = await owner.http.get('/api/gateways/');
    expect(response.body).toHaveLength(gatewayIds.length);
    expect(response.headers.get('link')).toBeNull();
    const small = await owner.http.get(`/api/gateways/?limit=${gatewayIds.length - 1}`);
    expect(small.body).toHaveLength(gatewayIds.length - 1);
    expect(nextLink(small)).toMatch(/^\/api\/gateways\/\?limit=\d+&cursor=/);
  });

  it('answers the homes whole without a query (the app reads them so), a page when asked', async () => {
    const whole = await owner.http.get('/api/homes/');
    expect(whole.body).toHaveLength(gatewayIds.length);
    expect(whole.headers.get('link')).toBeNull();
    const ids = await walkArray(owner.http, '/api/homes/?limit=3');
    expect(ids).toEqual(whole.body.map((home: { id: string }) => home.id));
  });

  it('walks the members of a home, earliest grant first, while more are granted', async () => {
    const home = (await owner.http.get(`/api/gateways/${gatewayIds[0]}/`)).body.home_id as string;
    const people = await Promise.all([1, 2, 3].map((n) => registerUser(server, `member${n}`)));
    for (const person of people) {
      const granted = await owner.http.post(`/api/gateways/homes/${home}/permissions/`, {
        user_id: person.id,
        role: 'viewer',
      });
      expect(granted.status).toBe(201);
    }
    const late = await Promise.all([1, 2].map((n) => registerUser(server, `late${n}`)));
    const ids = await walkArray(owner.http, `/api/gateways/homes/${home}/permissions/?limit=2`, async () => {
      const person = late.pop();
      if (person)
        await owner.http.post(`/api/gateways/homes/${home}/permissions/`, { user_id: person.id, role: 'user' });
    });
    expectEachOnce(ids, [owner.id, ...people.map((person) => person.id)]);
    expect(ids.slice(0, 4)).toEqual([owner.id, ...people.map((person) => person.id)]);
  });

  it('walks a gateway’s commands newest first by next_cursor, each once, while new ones are queued', async () => {
    const gatewayId = gatewayIds[1]!;
    const queue = () =>
      owner.http.post(`/api/gateways/${gatewayId}/commands`, { device_id: 'lamp', action: 'on', ttl_s: 600 });
    const issued: string[] = [];
    for (let i = 0; i < 5; i++) issued.push((await queue()).body.command_id);
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '' : `&cursor=${cursor}`;
      const response = await owner.http.get(`/api/gateways/${gatewayId}/commands/?limit=2${query}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.limit).toBe(2);
      expect(response.body.items.length).toBeLessThanOrEqual(2);
      ids.push(...response.body.items.map((item: { command_id: string }) => item.command_id));
      cursor = response.body.next_cursor;
      await queue();
    } while (cursor !== null);
    // Newer commands sort before the cursor: the walk lists exactly the five that were there when it began.
    expect(ids).toEqual([...issued].reverse());
  });

  it('answers sessions with next_cursor (null on the last page)', async () => {
    const response = await owner.http.get(`/api/gateways/${gatewayIds[0]}/sessions/?limit=100`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ items: [], total: 0, limit: 100, next_cursor: null });
  });

  it.each([
    ['limit=0', 'validation_error'],
    ['limit=101', 'validation_error'],
    ['limit=ten', 'validation_error'],
    ['offset=50', 'validation_error'],
    ['cursor=not-a-cursor!', 'invalid_cursor'],
    [`cursor=${Buffer.from('{"v":1,"p":"x"}').toString('base64url')}`, 'invalid_cursor'],
    [
      `cursor=${Buffer.from('{"v":1,"p":"2026-13-40T10:00:00.000000Z|00000000-0000-4000-8000-000000000000"}').toString('base64url')}`,
      'invalid_cursor',
    ],
    [`cursor=${Buffer.from('{"v":2,"p":"x"}').toString('base64url')}`, 'invalid_cursor'],
  ])('refuses %s with a 400 %s on every paged list', async (query, code) => {
    const home = (await owner.http.get('/api/homes/')).body[0].id as string;
    for (const path of [
      '/api/gateways/',
      '/api/homes/',
      `/api/gateways/homes/${home}/permissions/`,
      `/api/gateways/${gatewayIds[0]}/commands/`,
      `/api/gateways/${gatewayIds[0]}/sessions/`,
    ]) {
      const response = await owner.http.get(`${path}?${query}`);
      expect(response.status, path).toBe(400);
      expect(response.body.error.code, path).toBe(code);
    }
  });

  it('takes limit=100 and a cursor made for another list of the same kind without leaking rows', async () => {
    const stranger = await registerUser(server, 'stranger');
    const page = await owner.http.get('/api/gateways/?limit=1');
    const cursor = page.headers.get('x-next-cursor')!;
    const theirs = await stranger.http.get(`/api/gateways/?limit=100&cursor=${cursor}`);
    expect(theirs.status).toBe(200);
    expect(theirs.body).toEqual([]);
  });
});
