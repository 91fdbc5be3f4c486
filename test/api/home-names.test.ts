import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { headOf, homeWithEveryRole, MEMBERS, type TestHome } from '../support/fixtures.ts';

describe.each(serverTargets())('home names and PUT aliases (%s)', (target) => {
  let server: TestServer;
  let home: TestHome;
  beforeAll(async () => {
    server = await startTestServer(target);
    home = await homeWithEveryRole(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a home created without a name is called "Home" in the list and the detail', async () => {
    const listed = await home.people.viewer.http.get('/api/homes/');
    expect(listed.body).toEqual([expect.objectContaining({ id: home.homeId, name: 'Home' })]);
    expect((await home.people.viewer.http.get(`/api/homes/${home.homeId}/`)).body.name).toBe('Home');
  });

  it('owner and admin rename (PATCH and PUT, trimmed); user and viewer get 403, a stranger 404', async () => {
    const expected = { owner: 200, admin: 200, user: 403, viewer: 403, stranger: 404 } as const;
    for (const member of MEMBERS) {
      for (const method of ['patch', 'put'] as const) {
        const renamed = await home.people[member].http[method](`/api/homes/${home.homeId}/`, {
          name: `  ${member} ${method} home `,
        });
        expect(renamed.status, `${member} ${method}`).toBe(expected[member]);
        if (renamed.status === 200)
          expect(renamed.body).toMatchObject({ id: home.homeId, name: `${member} ${method} home`, role: member });
      }
    }
    expect((await home.people.viewer.http.get('/api/homes')).body[0].name).toBe('owner put home');
    const renames = (await server.stores.eventStore.readStream(`home-${home.homeId}`)).filter(
      (event) => event.type === 'HomeRenamed',
    );
    expect(renames.map((event) => event.data.name)).toEqual([
      'admin patch home',
      'admin put home',
      'owner patch home',
      'owner put home',
    ]);
    expect(renames[0]!.data).toMatchObject({ previous_name: 'Home', renamed_by: home.people.admin.id });
  });

  it('the same name again records nothing; bad names → 400 and nothing written', async () => {
    const owner = home.people.owner.http;
    expect((await owner.patch(`/api/homes/${home.homeId}/`, { name: 'Villa' })).status).toBe(200);
    const before = await headOf(server);
    expect((await owner.put(`/api/homes/${home.homeId}/`, { name: ' Villa ' })).status).toBe(200);
    for (const name of ['', '   ', 'x'.repeat(101), 'bell\u0007', 'line\nbreak', 'c1\u0085', 42, null]) {
      const answer = await owner.patch(`/api/homes/${home.homeId}/`, { name });
      expect(answer.status, JSON.stringify(name)).toBe(400);
      expect(answer.body.error.code).toBe('validation_error');
    }
    expect((await owner.patch(`/api/homes/${home.homeId}/`, {})).status).toBe(400);
    expect((await owner.patch('/api/homes/not-a-uuid/', { name: 'x' })).status).toBe(400);
    expect(await headOf(server)).toBe(before);
    expect((await owner.patch(`/api/homes/${home.homeId}/`, { name: 'x'.repeat(100) })).status).toBe(200);
  });

  it('PUT is accepted where the original accepted it: the profile and a gateway rename', async () => {
    const owner = home.people.owner.http;
    const profile = await owner.put('/api/auth/profile/', { name: 'Aditya' });
    expect(profile.status).toBe(200);
    expect(profile.body.name).toBe('Aditya');
    const gateway = await owner.put(`/api/gateways/${home.gatewayId}/`, { name: 'Edge server' });
    expect(gateway.status).toBe(200);
    expect(gateway.body).toMatchObject({ id: home.gatewayId, name: 'Edge server' });
    expect((await home.people.viewer.http.put(`/api/gateways/${home.gatewayId}/`, { name: 'x' })).status).toBe(403);
    expect((await owner.put(`/api/gateways/${home.gatewayId}/`, { name: '' })).status).toBe(400);
  });
});
