/**
 * The admin API over real HTTP: staff only (401 without a token, 403 for every home role and a stranger, never
 * data), users (search, detail, deactivate: the next call is 401; reactivate), gateways (search, revoke with a
 * reason: the live session closes), open sessions, homes, projections, the audit log across homes (filters,
 * newest first) and its JSON Lines export that `audit verify` accepts, the overview and its live feed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseAuditRecord } from '../../src/audit/audit-record.ts';
import { verifyRecordChains } from '../../src/audit/chain-verification.ts';
import { homeWithEveryRole, MEMBERS, READ_MODEL_LAG, registerUser, type TestHome } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { makeStaff, revokeStaffRole, type TestStaff } from '../support/staff.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const PASSWORD = 'correct horse battery';
const REASON = 'Reported stolen by the owner (ticket 4711)';

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

describe.each(serverTargets())('admin API (%s)', (target) => {
  let server: TestServer;
  let staff: TestStaff;
  let home: TestHome;

  beforeAll(async () => {
    server = await startTestServer(target);
    staff = await makeStaff(server);
    home = await homeWithEveryRole(server);
  });
  afterAll(() => server?.stop());

  const READS = [
    '/api/admin/users',
    '/api/admin/homes',
    '/api/admin/gateways',
    '/api/admin/sessions',
    '/api/admin/projections',
    '/api/admin/audit',
    '/api/admin/audit/export',
    '/api/admin/overview',
  ];
  const actions = () => [
    `/api/admin/users/${home.people.owner.id}/deactivate`,
    `/api/admin/gateways/${home.gatewayId}/revoke`,
  ];

  it('answers 401 without a token and 403 to every home role and a stranger, never data', async () => {
    const anonymous = new HttpClient(server.url);
    for (const path of READS) expect((await anonymous.get(path)).status, path).toBe(401);
    for (const member of MEMBERS) {
      const http = home.people[member].http;
      for (const path of READS) {
        const response = await http.get(path);
        expect(response.status, `${member} ${path}`).toBe(403);
        expect(response.body).toEqual({ error: { code: 'staff_only', message: expect.any(String) } });
      }
      for (const path of actions()) {
        const response = await http.post(path, { reason: REASON });
        expect(response.status, `${member} ${path}`).toBe(403);
      }
    }
    expect(claimsOf(home.people.owner.access).staff).toBeUndefined();
    expect(claimsOf(staff.access).staff).toBe(true);
  });

  it('gives staff no rights inside homes', async () => {
    expect((await staff.http.get(`/api/homes/${home.homeId}`)).status).toBe(404);
    expect((await staff.http.get(`/api/gateways/${home.gatewayId}`)).status).toBe(404);
  });

  it('finds users by e-mail, with their homes and roles', async () => {
    const found = await staff.http.get(`/api/admin/users?q=${encodeURIComponent(home.people.viewer.email)}`);
    expect(found.status, JSON.stringify(found.body)).toBe(200);
    expect(found.body.total).toBe(1);
    expect(found.body.items[0]).toMatchObject({ id: home.people.viewer.id, staff: false, deactivated: false });
    const detail = await staff.http.get(`/api/admin/users/${home.people.viewer.id}`);
    expect(detail.body.homes).toEqual([{ id: home.homeId, name: expect.any(String), role: 'viewer' }]);
    const staffOnly = await staff.http.get('/api/admin/users?staff=true&limit=100');
    expect(staffOnly.body.items.map((u: { id: string }) => u.id)).toContain(staff.id);
    expect((await staff.http.get('/api/admin/users?limit=1000')).status).toBe(400);
    expect((await staff.http.get('/api/admin/users?sort=evil')).status).toBe(400);
  });

  it('deactivates a user with a reason: every token dies at once; reactivation lets them sign in again', async () => {
    const victim = await registerUser(server, 'victim');
    expect((await victim.http.get('/api/auth/profile')).status).toBe(200);
    const path = `/api/admin/users/${victim.id}/deactivate`;
    expect((await staff.http.post(path, {})).status).toBe(400);
    const deactivated = await staff.http.post(path, { reason: REASON });
    expect(deactivated.status, JSON.stringify(deactivated.body)).toBe(200);
    expect(deactivated.body).toMatchObject({ deactivated: true, deactivation_reason: REASON });

    expect((await victim.http.get('/api/auth/profile')).status).toBe(401);
    const anonymous = new HttpClient(server.url);
    expect((await anonymous.post('/api/auth/refresh', { refresh: victim.refresh })).status).toBe(401);
    const login = await anonymous.post('/api/auth/login', { email: victim.email, password: PASSWORD });
    expect(login.status).toBe(401);
    expect(login.body.error.code).toBe('account_deactivated');

    const events = await server.stores.eventStore.readStream(`user-${victim.id}`);
    const recorded = events.find((event) => event.type === 'UserDeactivated')!;
    expect(recorded.data).toEqual({ user_id: victim.id, reason: REASON });
    expect(recorded.metadata.actor).toEqual({ kind: 'staff', id: staff.id });

    const reactivated = await staff.http.post(`/api/admin/users/${victim.id}/reactivate`, { reason: 'Owner verified' });
    expect(reactivated.body.deactivated).toBe(false);
    expect((await anonymous.post('/api/auth/login', { email: victim.email, password: PASSWORD })).status).toBe(200);
    // The old sign-in stays dead: deactivation ended every token family.
    expect((await anonymous.post('/api/auth/refresh', { refresh: victim.refresh })).status).toBe(401);
  });

  it('refuses a staff member acting on their own account', async () => {
    const response = await staff.http.post(`/api/admin/users/${staff.id}/deactivate`, { reason: REASON });
    expect(response.status).toBe(409);
  });

  it('lists an online gateway with its node and session, revokes it with a reason and kicks the session', async () => {
    const socket = await GatewaySocket.connect(server.url, { gatewayId: home.gatewayId, secret: home.secret });
    await socket.next('welcome');
    await vi.waitFor(async () => {
      const online = await staff.http.get(`/api/admin/gateways?status=online&home_id=${home.homeId}`);
      expect(online.body.items).toEqual([
        expect.objectContaining({ id: home.gatewayId, online: true, node_id: server.nodeId }),
      ]);
    }, READ_MODEL_LAG);
    const sessions = await staff.http.get(`/api/admin/sessions?node_id=${encodeURIComponent(server.nodeId)}`);
    expect(sessions.body.items).toContainEqual(
      expect.objectContaining({ gateway_id: home.gatewayId, node_id: server.nodeId, duration_s: expect.any(Number) }),
    );

    const path = `/api/admin/gateways/${home.gatewayId}/revoke`;
    expect((await staff.http.post(path, { reason: 'no' })).status).toBe(400);
    const revoked = await staff.http.post(path, { reason: REASON });
    expect(revoked.status, JSON.stringify(revoked.body)).toBe(200);
    expect(revoked.body.status).toBe('revoked');
    expect((await socket.closed).reason).toMatch(/revoked/);
    await vi.waitFor(async () => {
      const detail = await staff.http.get(`/api/admin/gateways/${home.gatewayId}`);
      expect(detail.body.sessions[0]).toMatchObject({ ended_at: expect.any(String) });
    }, READ_MODEL_LAG);
  });

  it('filters the audit log across homes, newest first, and finds the revocation with its reason', async () => {
    await vi.waitFor(async () => {
      const response = await staff.http.get(`/api/admin/audit?type=GatewayRevoked&gateway_id=${home.gatewayId}`);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.items).toEqual([
        expect.objectContaining({
          type: 'GatewayRevoked',
          home_id: home.homeId,
          actor: { kind: 'staff', id: staff.id },
          data: expect.objectContaining({ reason: REASON }),
        }),
      ]);
    }, READ_MODEL_LAG);
    const page = await staff.http.get(`/api/admin/audit?home_id=${home.homeId}&limit=5`);
    const positions = page.body.items.map((item: { position: string }) => item.position);
    expect(positions).toEqual([...positions].sort().reverse());
    const next = await staff.http.get(
      `/api/admin/audit?home_id=${home.homeId}&limit=5&cursor=${page.body.next_cursor}`,
    );
    expect(next.body.items[0].position < positions.at(-1)).toBe(true);
    expect((await staff.http.get('/api/admin/audit?type=NoSuchEvent')).status).toBe(400);
  });

  it('exports JSON Lines that audit verify accepts', async () => {
    const response = await fetch(`${server.url}/api/admin/audit/export?home_id=${home.homeId}`, {
      headers: { authorization: `Bearer ${staff.access}` },
    });
    expect(response.status).toBe(200);
    const lines = (await response.text()).split('\n').filter(Boolean);
    const records = lines.map((line, i) => parseAuditRecord(line, i + 1));
    expect(records.map((record) => record.type)).toContain('GatewayRevoked');
    expect(verifyRecordChains(records).breaks).toEqual([]);
    expect((await staff.http.get(`/api/admin/audit/export?home_id=${home.homeId}&user_id=${staff.id}`)).status).toBe(
      400,
    );
  });

  it('searches homes and shows members, gateway and history', async () => {
    const homes = await staff.http.get(`/api/admin/homes?q=${encodeURIComponent(home.people.owner.email)}`);
    expect(homes.body.items).toEqual([expect.objectContaining({ id: home.homeId, members: 4 })]);
    const detail = await staff.http.get(`/api/admin/homes/${home.homeId}`);
    expect(detail.body.members).toHaveLength(4);
    expect(detail.body.audit.length).toBeGreaterThan(0);
    expect((await staff.http.get('/api/admin/homes/not-a-uuid')).status).toBe(400);
  });

  it('shows projections and the fleet overview, also as a live feed', async () => {
    const projections = await staff.http.get('/api/admin/projections');
    expect(projections.body.items.map((p: { name: string }) => p.name)).toContain('account_admin');
    const overview = await staff.http.get('/api/admin/overview');
    expect(overview.body).toMatchObject({
      homes: expect.any(Number),
      gateways: { total: expect.any(Number), online: expect.any(Number), revoked: expect.any(Number) },
      sessions_open: expect.any(Number),
      commands_per_minute: expect.any(Number),
    });
    const controller = new AbortController();
    const feed = await fetch(`${server.url}/api/admin/overview/stream`, {
      headers: { authorization: `Bearer ${staff.access}` },
      signal: controller.signal,
    });
    expect(feed.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = feed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('\n\n')) text += (await reader.read()).value ?? '';
    expect(text).toMatch(/^event: overview\ndata: \{/);
    controller.abort();
  });

  it('ends admin access at once when an operator takes the role away', async () => {
    const other = await makeStaff(server, 'leaving');
    expect((await other.http.get('/api/admin/overview')).status).toBe(200);
    await revokeStaffRole(server, other.email);
    expect((await other.http.get('/api/admin/overview')).status).toBe(403);
  });
});
