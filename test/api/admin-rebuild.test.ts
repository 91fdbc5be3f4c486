/**
 * The admin API's projection rebuilds, token families and leases over real HTTP: a rebuild started with a reason
 * answers 202 and a Location, runs to completion in the background recorded as events (started, progressed,
 * completed) with the staff member as actor, is shown with its progress (also on the overview's event stream), is
 * refused while another holds the projection's rebuild lease (409), and finds a rebuild whose node died
 * (interrupted, then recorded abandoned by the next one). Users' details list their refresh-token families;
 * nodes list bridge and projection worker leases. Staff only: 401 without a token, 403 to every role and a
 * stranger.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { ProjectionRebuildCommands } from '../../src/commands/projections/projection-rebuild-commands.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { projectionsRebuild } from '../../src/cli/projections-command.ts';
import { RebuildLeases } from '../../src/projections/rebuild-lease.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { homeWithEveryRole, MEMBERS, READ_MODEL_LAG, registerUser, type TestHome } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { makeStaff, type TestStaff } from '../support/staff.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const REASON = 'Handler fixed in 1.4.2 (ticket 88)';
const PASSWORD = 'correct horse battery';

describe.each(serverTargets())('admin API: rebuilds, token families, leases (%s)', (target) => {
  let server: TestServer;
  let staff: TestStaff;
  let home: TestHome;

  beforeAll(async () => {
    // Small pages and no rate bound: a rebuild of a few hundred events reports progress several times.
    server = await startTestServer(target, { REBUILD_PAGE_SIZE: '10', REBUILD_PROGRESS_INTERVAL_MS: '0' });
    staff = await makeStaff(server);
    home = await homeWithEveryRole(server);
  }, 180_000);
  afterAll(() => server?.stop(), 120_000);

  const rebuildOf = async (name: string) => (await staff.http.get(`/api/admin/projections/${name}`)).body;
  const completedRebuild = async (name: string, id: string) => {
    await vi.waitFor(async () => expect((await rebuildOf(name)).rebuild).toMatchObject({ id, state: 'completed' }), {
      timeout: 30_000,
      interval: 100,
    });
    return (await rebuildOf(name)).rebuild;
  };

  it('answers 401 without a token and 403 to every home role and a stranger, never data', async () => {
    const stranger = await registerUser(server, 'stranger');
    const reads = ['/api/admin/projections/users', '/api/admin/nodes', `/api/admin/users/${stranger.id}`];
    const write = '/api/admin/projections/users/rebuild';
    const anonymous = new HttpClient(server.url);
    for (const path of reads) expect((await anonymous.get(path)).status, path).toBe(401);
    expect((await anonymous.post(write, { reason: REASON })).status).toBe(401);
    const callers = [
      ...MEMBERS.map((member) => [member, home.people[member].http] as const),
      ['stranger', stranger.http] as const,
    ];
    for (const [who, http] of callers) {
      for (const path of reads) {
        const response = await http.get(path);
        expect(response.status, `${who} ${path}`).toBe(403);
        expect(response.body).toEqual({ error: { code: 'staff_only', message: expect.any(String) } });
      }
      const response = await http.post(write, { reason: REASON });
      expect(response.status, `${who} rebuild`).toBe(403);
    }
    expect((await rebuildOf('users')).rebuild).toBeNull();
  });

  it('rebuilds a projection in the background, recorded as events with progress, and shows it to completion', async () => {
    expect((await staff.http.post('/api/admin/projections/users/rebuild', {})).status).toBe(400);
    expect((await staff.http.post('/api/admin/projections/no_such/rebuild', { reason: REASON })).status).toBe(404);
    expect((await staff.http.post('/api/admin/projections/Bad-Name/rebuild', { reason: REASON })).status).toBe(400);

    // Enough accounts for several pages of ten, so progress is reported on the way.
    await Promise.all(Array.from({ length: 15 }, (_, i) => registerUser(server, `page-${i}`)));
    const started = await staff.http.post('/api/admin/projections/users/rebuild', { reason: REASON });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.headers.get('location')).toBe('/api/admin/projections/users');
    expect(started.body).toMatchObject({
      projection: 'users',
      status: 'running',
      location: '/api/admin/projections/users',
    });
    const id: string = started.body.rebuild_id;

    const rebuild = await completedRebuild('users', id);
    expect(rebuild).toMatchObject({ staff_id: staff.id, reason: REASON, node_id: server.nodeId, error: null });
    expect(rebuild.done).toBeGreaterThan(10);
    expect(rebuild.total).toBe(rebuild.done);

    const events = await server.stores.eventStore.readStream(`projection_rebuild-${id}`);
    const types = events.map((event) => event.type);
    expect(types[0]).toBe('ProjectionRebuildStarted');
    expect(types.at(-1)).toBe('ProjectionRebuildCompleted');
    expect(types.filter((type) => type === 'ProjectionRebuildProgressed').length).toBeGreaterThan(0);
    for (const event of events) expect(event.metadata.actor).toEqual({ kind: 'staff', id: staff.id });
    const done = events.filter((e) => e.type === 'ProjectionRebuildProgressed').map((e) => e.data.done as number);
    expect(done).toEqual([...done].sort((a, b) => a - b));

    // The rebuilt read model serves as before.
    const found = await staff.http.get(`/api/admin/users?q=${encodeURIComponent(home.people.viewer.email)}`);
    expect(found.body.items).toEqual([expect.objectContaining({ id: home.people.viewer.id })]);
    const listed = await staff.http.get('/api/admin/projections');
    expect(listed.body.items).toContainEqual(
      expect.objectContaining({ name: 'users', rebuild: expect.objectContaining({ id }) }),
    );
  }, 120_000);

  it('refuses a second rebuild of a projection while one holds its lease (409), on any node', async () => {
    const leases = new RebuildLeases(server.stores.readModels.target, server.stores.readModels.knex);
    const lease = await leases.tryTake('homes');
    expect(lease).not.toBeNull();
    try {
      const refused = await staff.http.post('/api/admin/projections/homes/rebuild', { reason: REASON });
      expect(refused.status).toBe(409);
      expect(refused.body.error.code).toBe('rebuild_running');
      // The CLI takes the same lease (on PGlite it cannot open the server's data directory at all).
      if (target === 'postgres') {
        const cli = projectionsRebuild(cliConfig(server.env), ['homes'], {}, captureIo());
        await expect(cli).rejects.toThrow(/running already/);
      }
    } finally {
      await lease!.release();
    }
    const accepted = await staff.http.post('/api/admin/projections/homes/rebuild', { reason: REASON });
    expect(accepted.status).toBe(202);
    await completedRebuild('homes', accepted.body.rebuild_id);
  });

  it('shows a rebuild whose node died as interrupted, and the next rebuild records it abandoned', async () => {
    // What a node that died mid-rebuild leaves: a started record, and no lease (it died with the node's connection).
    const records = new ProjectionRebuildCommands(
      new EventSourcedCommandHandler(server.stores.eventStore, eventCatalogue),
    );
    const deadId = crypto.randomUUID();
    const context = {
      ...systemContext('test', { nodeId: 'dead-node' }),
      actor: { kind: 'staff' as const, id: staff.id },
    };
    await records.record(
      deadId,
      {
        type: 'Start',
        rebuildId: deadId,
        projection: 'gateways',
        reason: REASON,
        nodeId: 'dead-node',
        actorIsStaff: true,
      },
      context,
    );
    await vi.waitFor(async () => {
      expect((await rebuildOf('gateways')).rebuild).toMatchObject({
        id: deadId,
        state: 'interrupted',
        node_id: 'dead-node',
      });
    }, READ_MODEL_LAG);

    const next = await staff.http.post('/api/admin/projections/gateways/rebuild', { reason: REASON });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await completedRebuild('gateways', next.body.rebuild_id);
    const history = (await rebuildOf('gateways')).rebuilds;
    expect(history[1]).toMatchObject({ id: deadId, state: 'failed', error: expect.stringMatching(/stopped/) });
    const dead = await server.stores.eventStore.readStream(`projection_rebuild-${deadId}`);
    expect(dead.at(-1)!.data).toMatchObject({ abandoned: true });
  });

  it("sends a rebuild's progress on the overview's event stream", async () => {
    const controller = new AbortController();
    const feed = await fetch(`${server.url}/api/admin/overview/stream`, {
      headers: { authorization: `Bearer ${staff.access}` },
      signal: controller.signal,
    });
    const reader = feed.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    while (!text.includes('event: overview')) text += (await reader.read()).value ?? '';
    const started = await staff.http.post('/api/admin/projections/memberships/rebuild', { reason: REASON });
    expect(started.status).toBe(202);
    while (!text.includes('ProjectionRebuildCompleted')) text += (await reader.read()).value ?? '';
    controller.abort();
    const rebuildEvents = text
      .split('\n\n')
      .filter((block) => block.startsWith('event: rebuild\n'))
      .map((block) => JSON.parse(block.slice(block.indexOf('data: ') + 6)));
    expect(rebuildEvents.map((event) => event.type)).toContain('ProjectionRebuildStarted');
    expect(rebuildEvents.at(-1)).toMatchObject({
      type: 'ProjectionRebuildCompleted',
      data: { rebuild_id: started.body.rebuild_id, projection: 'memberships' },
    });
  });

  it("lists a user's refresh-token families: when, from where (opened), and which are revoked", async () => {
    const user = await registerUser(server, 'families');
    const anonymous = new HttpClient(server.url);
    const login = await anonymous.post(
      '/api/auth/login',
      { email: user.email, password: PASSWORD },
      { 'user-agent': 'SmartHomeApp/3.1 (test phone)' },
    );
    expect(login.status).toBe(200);
    expect((await anonymous.post('/api/auth/logout', { refresh: user.refresh })).status).toBe(204);

    // Logout answers before the read models catch up (it reads nothing back): wait for them here.
    let families: Array<Record<string, unknown>> = [];
    await vi.waitFor(async () => {
      const detail = await staff.http.get(`/api/admin/users/${user.id}`);
      families = detail.body.token_families;
      expect(families.map((family) => family.revoked)).toEqual([false, true]);
    }, READ_MODEL_LAG);
    expect(families[0]).toMatchObject({
      user_agent: 'SmartHomeApp/3.1 (test phone)',
      revoked: false,
      revoked_reason: null,
    });
    expect(families[1]).toMatchObject({ revoked: true, revoked_reason: 'logout' });
    // Stored sealed: the read model and the log never hold the user agent in the clear.
    const [row] = await server.stores.readModels.knex('token_families').where({ family_id: families[0]!.id });
    expect(row.user_agent).toMatch(/^pd1:/);

    // A deactivation kills every family at once.
    expect((await staff.http.post(`/api/admin/users/${user.id}/deactivate`, { reason: REASON })).status).toBe(200);
    const after = await staff.http.get(`/api/admin/users/${user.id}`);
    expect(after.body.token_families.map((f: { revoked: boolean }) => f.revoked)).toEqual([true, true]);
    expect(after.body.token_families[0].revoked_reason).toBe('credentials_changed');
    expect((await staff.http.get(`/api/admin/users/${crypto.randomUUID()}`)).status).toBe(404);
  });

  it('lists the nodes with their bridge lease and the projections each applies', async () => {
    const everyProjection = (await staff.http.get('/api/admin/projections')).body.items.map(
      (p: { name: string }) => p.name,
    );
    await vi.waitFor(async () => {
      const nodes = await staff.http.get('/api/admin/nodes');
      expect(nodes.status).toBe(200);
      const self = nodes.body.items.find((node: { node_id: string }) => node.node_id === server.nodeId);
      expect(self).toMatchObject({ bridge_lease: { live: true, expires_at: expect.any(String) } });
      expect([...self.projections].sort()).toEqual([...everyProjection].sort());
    }, READ_MODEL_LAG);
    const projections = await staff.http.get('/api/admin/projections');
    for (const item of projections.body.items) expect(item.applied_by, item.name).toBe(server.nodeId);
    const overview = await staff.http.get('/api/admin/overview');
    expect(overview.body.nodes).toContainEqual(expect.objectContaining({ node_id: server.nodeId }));
  });
});
