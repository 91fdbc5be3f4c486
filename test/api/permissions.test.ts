import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { headOf, homeWithEveryRole, MEMBERS, registerUser, type Member } from '../support/fixtures.ts';

const permissions = (homeId: string) => `/api/gateways/homes/${homeId}/permissions/`;

/** Who may set a newcomer (or a member of the given role) to which role: the role matrix seen from HTTP. */
const MAY_MANAGE: Record<Member, readonly string[]> = {
  stranger: [],
  viewer: [],
  user: [],
  admin: ['user', 'viewer'],
  owner: ['admin', 'user', 'viewer'],
};
const refusal = (member: Member) => (member === 'stranger' ? 404 : 403);

describe.each(serverTargets())('home permissions API (%s)', (target) => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer(target);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('lists permissions with e-mail and name to the owner and admins; 403 for members, 404 for strangers', async () => {
    const home = await homeWithEveryRole(server);
    for (const member of MEMBERS) {
      const list = await home.people[member].http.get(permissions(home.homeId));
      if (member === 'owner' || member === 'admin') {
        expect(list.status).toBe(200);
        expect(list.body).toHaveLength(4);
        const byRole = Object.fromEntries(list.body.map((p: { role: string }) => [p.role, p]));
        expect(byRole.owner).toMatchObject({
          user_id: home.people.owner.id,
          email: home.people.owner.email,
          name: 'owner',
          granted_by: home.people.owner.id,
        });
        expect(byRole.viewer).toMatchObject({
          user_id: home.people.viewer.id,
          email: home.people.viewer.email,
          granted_by: home.people.owner.id,
        });
        expect(Object.keys(byRole.admin).sort()).toEqual([
          'email',
          'granted_at',
          'granted_by',
          'name',
          'role',
          'user_id',
        ]);
      } else {
        expect(list.status).toBe(refusal(member));
      }
    }
  });

  for (const member of MEMBERS) {
    it(`${member}: grants, role changes and removals follow the role matrix`, async () => {
      const home = await homeWithEveryRole(server);
      const http = home.people[member].http;
      for (const role of ['admin', 'user', 'viewer']) {
        const newcomer = await registerUser(server, 'newcomer');
        const before = await headOf(server);
        const granted = await http.post(permissions(home.homeId), { email: newcomer.email.toUpperCase(), role });
        if (MAY_MANAGE[member].includes(role)) {
          expect(granted.status, JSON.stringify(granted.body)).toBe(201);
          expect(granted.body).toMatchObject({
            user_id: newcomer.id,
            email: newcomer.email,
            role,
            granted_by: home.people[member].id,
          });
          expect((await newcomer.http.get(`/api/homes/${home.homeId}`)).body.role).toBe(role);
        } else {
          expect(granted.status).toBe(refusal(member));
          expect(await headOf(server)).toBe(before);
        }
      }
      // Changing and removing each existing member (never the owner).
      for (const subject of ['admin', 'user', 'viewer'] as const) {
        if (subject === member) continue;
        const target = home.people[subject];
        const to = subject === 'viewer' ? 'user' : 'viewer';
        const changed = await http.patch(`${permissions(home.homeId)}${target.id}/`, { role: to });
        const allowed = MAY_MANAGE[member].includes(subject) && MAY_MANAGE[member].includes(to);
        expect(changed.status, `${member} changes ${subject} to ${to}`).toBe(allowed ? 200 : refusal(member));
        if (allowed) expect(changed.body.role).toBe(to);
        const removed = await http.delete(`${permissions(home.homeId)}${target.id}`);
        expect(removed.status, `${member} removes ${subject}`).toBe(
          MAY_MANAGE[member].includes(allowed ? to : subject) ? 204 : refusal(member),
        );
      }
      const onOwner = await http.delete(`${permissions(home.homeId)}${home.people.owner.id}`);
      expect(onOwner.status).toBe(member === 'owner' ? 409 : member === 'admin' ? 403 : refusal(member));
      const ownerChange = await http.post(permissions(home.homeId), { user_id: home.people.owner.id, role: 'admin' });
      expect(ownerChange.status).toBe(member === 'owner' || member === 'admin' ? 403 : refusal(member));
    });
  }

  it('any member may leave by themselves; the owner may not', async () => {
    const home = await homeWithEveryRole(server);
    for (const member of ['viewer', 'user', 'admin'] as const) {
      const person = home.people[member];
      expect((await person.http.delete(`${permissions(home.homeId)}${person.id}/`)).status).toBe(204);
      expect((await person.http.get(`/api/homes/${home.homeId}`)).status).toBe(404);
    }
    const owner = home.people.owner;
    const leaving = await owner.http.delete(`${permissions(home.homeId)}${owner.id}/`);
    expect(leaving.status).toBe(409);
    expect(leaving.body.error.code).toBe('owner_cannot_leave');
    expect(
      (await home.people.stranger.http.delete(`${permissions(home.homeId)}${home.people.stranger.id}/`)).status,
    ).toBe(404);
  });

  it('grant answers 201 for a new member, 200 for a role change (or no change); nobody grants owner', async () => {
    const home = await homeWithEveryRole(server);
    const http = home.people.owner.http;
    const newcomer = await registerUser(server, 'newcomer');
    expect((await http.post(permissions(home.homeId), { user_id: newcomer.id, role: 'viewer' })).status).toBe(201);
    const changed = await http.post(permissions(home.homeId), { user_id: newcomer.id, role: 'user' });
    expect(changed.status).toBe(200);
    expect(changed.body.role).toBe('user');
    expect((await http.post(permissions(home.homeId), { user_id: newcomer.id, role: 'user' })).status).toBe(200);
    expect((await http.post(permissions(home.homeId), { user_id: newcomer.id, role: 'owner' })).status).toBe(400);
    const events = await server.stores.eventStore.readStream(`home-${home.homeId}`);
    const mine = events.filter((event) => event.data.user_id === newcomer.id);
    expect(mine.map((event) => event.type)).toEqual(['PermissionGranted', 'PermissionRoleChanged']);
    expect(mine[1]!.metadata.actor).toEqual({ kind: 'user', id: home.people.owner.id });
  });

  it('removing access takes effect on the very next request', async () => {
    const home = await homeWithEveryRole(server);
    const admin = home.people.admin;
    expect((await admin.http.get(`/api/gateways/${home.gatewayId}`)).status).toBe(200);
    expect((await home.people.owner.http.delete(`${permissions(home.homeId)}${admin.id}`)).status).toBe(204);
    expect((await admin.http.get(`/api/gateways/${home.gatewayId}`)).status).toBe(404);
    expect((await admin.http.get('/api/gateways/')).body).toEqual([]);
    expect((await admin.http.patch(`/api/gateways/${home.gatewayId}`, { name: 'mine' })).status).toBe(404);
    expect((await admin.http.get(permissions(home.homeId))).status).toBe(404);
    expect((await admin.http.post(permissions(home.homeId), { user_id: admin.id, role: 'user' })).status).toBe(404);
  });

  it('concurrent grants on one home lose no update', async () => {
    const owner = await registerUser(server, 'owner');
    const provisioned = await owner.http.post('/api/gateways/provision', {});
    const homeId = provisioned.body.home_id;
    const newcomers = await Promise.all(Array.from({ length: 8 }, () => registerUser(server, 'newcomer')));
    const answers = await Promise.all(
      newcomers.map((person) => owner.http.post(permissions(homeId), { user_id: person.id, role: 'viewer' })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(newcomers.map(() => 201));
    const list = await owner.http.get(permissions(homeId));
    expect(list.body.map((p: { user_id: string }) => p.user_id).sort()).toEqual(
      [owner.id, ...newcomers.map((p) => p.id)].sort(),
    );
    const events = await server.stores.eventStore.readStream(`home-${homeId}`);
    expect(events.filter((event) => event.type === 'PermissionGranted')).toHaveLength(8);
  });

  it('bad input: unknown users, malformed ids, missing or wrong fields → 400/404, nothing appended', async () => {
    const home = await homeWithEveryRole(server);
    const http = home.people.owner.http;
    const before = await headOf(server);
    const cases: Array<[Promise<{ status: number; body: any }>, number, string?]> = [
      [http.post(permissions(home.homeId), { email: 'nobody@example.com', role: 'user' }), 404, 'user_not_found'],
      [http.post(permissions(home.homeId), { user_id: randomUUID(), role: 'user' }), 404, 'user_not_found'],
      [http.post(permissions(home.homeId), { role: 'user' }), 400],
      [
        http.post(permissions(home.homeId), {
          email: home.people.user.email,
          user_id: home.people.user.id,
          role: 'user',
        }),
        400,
      ],
      [http.post(permissions(home.homeId), { email: 'not-an-email', role: 'user' }), 400],
      [http.post(permissions(home.homeId), { user_id: home.people.user.id }), 400],
      [http.post(permissions(home.homeId), { user_id: home.people.user.id, role: 'root' }), 400],
      [http.post(permissions(home.homeId), { user_id: 12, role: 'user' }), 400],
      [http.post(permissions('nope'), { user_id: home.people.user.id, role: 'user' }), 400],
      [http.post(permissions(randomUUID()), { user_id: home.people.user.id, role: 'user' }), 404, 'home_not_found'],
      [http.get(permissions('nope')), 400],
      [http.get(permissions(randomUUID())), 404, 'home_not_found'],
      [http.patch(`${permissions(home.homeId)}not-a-uuid`, { role: 'user' }), 400],
      [http.patch(`${permissions(home.homeId)}${randomUUID()}`, { role: 'user' }), 404, 'permission_not_found'],
      [http.patch(`${permissions(home.homeId)}${home.people.user.id}`, {}), 400],
      [http.patch(`${permissions(home.homeId)}${home.people.user.id}`, { role: 5 }), 400],
      [http.delete(`${permissions(home.homeId)}${randomUUID()}`), 404, 'permission_not_found'],
      [http.delete(`${permissions(randomUUID())}${home.people.user.id}`), 404, 'home_not_found'],
    ];
    for (const [request, status, code] of cases) {
      const response = await request;
      expect(response.status, JSON.stringify(response.body)).toBe(status);
      if (code) expect(response.body.error.code).toBe(code);
    }
    expect(await headOf(server)).toBe(before);
  });

  it('a stranger cannot probe e-mails through a home they do not belong to', async () => {
    const home = await homeWithEveryRole(server);
    const stranger = home.people.stranger.http;
    const known = await stranger.post(permissions(home.homeId), { email: home.people.user.email, role: 'viewer' });
    const unknown = await stranger.post(permissions(home.homeId), {
      email: 'nobody-at-all@example.com',
      role: 'viewer',
    });
    expect([known.status, known.body.error.code]).toEqual([404, 'home_not_found']);
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'home_not_found']);
  });
});
