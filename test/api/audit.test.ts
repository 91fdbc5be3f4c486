import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { auditIndexProjection } from '../../src/projections/read-models/audit-index-projection.ts';
import { AUDITED_EVENT_TYPES } from '../../src/projections/read-models/audit/audit-event-types.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { verifyProjection } from '../../src/projections/projection-verify.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import { homeWithEveryRole, type TestHome } from '../support/fixtures.ts';

interface AuditItem {
  position: string;
  stream: string;
  revision: number;
  type: string;
  occurred_at: string;
  recorded_at: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

const PASSWORD = 'correct horse battery'; // the fixtures' password for everyone

describe.each(serverTargets())('GET /api/audit/ (%s)', (target) => {
  let server: TestServer;
  let home: TestHome;
  let rotatedSecret: string;
  let all: AuditItem[];
  const audit = (http: HttpClient, query: string) => http.get(`/api/audit/?home_id=${home.homeId}${query}`);

  /** Every item of the owner's history, following the cursor (page size `limit`). */
  async function walkPages(query: string, limit: number): Promise<{ items: AuditItem[]; pages: number }> {
    const items: AuditItem[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await audit(
        home.people.owner.http,
        `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.items.length).toBeLessThanOrEqual(limit);
      items.push(...(response.body.items as AuditItem[]));
      cursor = response.body.next_cursor as string | null;
      pages += 1;
    } while (cursor !== null);
    return { items, pages };
  }

  /** What the log itself holds about the home (its gateway's stream included), in global order. */
  async function fromTheLog(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for (;;) {
      const page = await server.stores.eventStore.readAll({ after: events.at(-1)?.position ?? null, maxCount: 1000 });
      events.push(...page);
      if (page.length < 1000) break;
    }
    return events.filter(
      (event) =>
        AUDITED_EVENT_TYPES.includes(event.type) &&
        (event.data.home_id === home.homeId || event.streamName === `gateway-${home.gatewayId}`),
    );
  }

  beforeAll(async () => {
    server = await startTestServer(target);
    home = await homeWithEveryRole(server);
    const owner = home.people.owner.http;
    expect((await owner.patch(`/api/gateways/${home.gatewayId}/`, { name: 'Front hall' })).status).toBe(200);
    // Another home next door: none of its events may show up in this home's history (checked against the log).
    expect((await home.people.stranger.http.post('/api/gateways/provision', { name: 'Next door' })).status).toBe(201);

    // A bridge session with a state report, a metadata sync and one remote command acked by the edge.
    const socket = await GatewaySocket.connect(server.url, { gatewayId: home.gatewayId, secret: home.secret });
    await socket.next('welcome');
    socket.send({
      type: 'state',
      request_id: 's-1',
      timestamp: Date.now() / 1000,
      payload: { device_id: 'lamp', state: { on: true } },
    });
    expect((await socket.next('ack')).request_id).toBe('s-1');
    socket.send({
      type: 'sync',
      request_id: 'y-1',
      timestamp: Date.now() / 1000,
      payload: { devices: [{ id: 'lamp' }], rooms: [] },
    });
    expect((await socket.next('ack')).request_id).toBe('y-1');
    const issued = owner.post(`/api/gateways/${home.gatewayId}/commands/`, { device_id: 'lamp', action: 'turn_on' });
    const command = await socket.next('command');
    socket.send({
      type: 'ack',
      request_id: command.request_id,
      timestamp: Date.now() / 1000,
      payload: { status: 'ok', result: { on: true } },
    });
    expect((await issued).status).toBe(200);
    socket.close();
    await socket.closed;

    const rotated = await owner.post(`/api/gateways/${home.gatewayId}/rotate-secret`);
    expect(rotated.status).toBe(200);
    rotatedSecret = rotated.body.secret as string;

    // The close is recorded after the socket closed; the log (on a Postgres server, past the snapshot horizon)
    // and then the read model follow.
    await vi.waitFor(
      async () => {
        const expected = await fromTheLog();
        expect(expected.map((e) => e.type)).toContain('BridgeSessionClosed');
        all = (await walkPages('', 500)).items;
        expect(all.map((item) => item.position)).toEqual(expected.map((event) => event.position));
      },
      { timeout: 20_000, interval: 200 },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('shows the owner every event about the home, its gateway, sessions, telemetry and commands, oldest first', () => {
    const types = all.map((item) => item.type);
    for (const type of [
      'HomeCreated',
      'HomeGatewayAttached',
      'GatewayProvisioned',
      'PermissionGranted',
      'GatewayRenamed',
      'BridgeSessionOpened',
      'DeviceStatesReported',
      'HomeMetadataSynced',
      'RemoteCommandIssued',
      'RemoteCommandDispatched',
      'RemoteCommandSucceeded',
      'BridgeSessionClosed',
      'GatewaySecretRotated',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(all.map((item) => item.position)).toEqual([...all.map((item) => item.position)].sort());
    const renamed = all.find((item) => item.type === 'GatewayRenamed')!;
    expect(renamed).toMatchObject({
      stream: `gateway-${home.gatewayId}`,
      revision: 1,
      data: { name: 'Front hall', previous_name: 'Hall' },
    });
    expect(renamed.metadata).toMatchObject({ actor: { kind: 'user', id: home.people.owner.id } });
    expect(Date.parse(renamed.occurred_at)).not.toBeNaN();
    expect(Date.parse(renamed.recorded_at)).not.toBeNaN();
    expect(Object.keys(renamed).sort()).toEqual([
      'data',
      'metadata',
      'occurred_at',
      'position',
      'recorded_at',
      'revision',
      'stream',
      'type',
    ]);
  });

  it('never shows a secret, a secret digest, a password or a password hash', async () => {
    const response = await audit(home.people.owner.http, '&limit=500');
    const text = JSON.stringify(response.body);
    for (const secret of [
      home.secret,
      rotatedSecret,
      PASSWORD,
      'hmac-sha256:',
      'c2NyeXB0',
      'secret_digest',
      'password_hash',
      'fingerprint',
    ]) {
      expect(text.includes(secret), secret).toBe(false);
    }
    const provisioned = all.find((item) => item.type === 'GatewayProvisioned')!;
    expect(provisioned.data).toEqual({
      gateway_id: home.gatewayId,
      home_id: home.homeId,
      name: 'Hall',
      via: 'provision',
    });
  });

  it('admins read it; users and viewers are refused (403); strangers and unknown homes do not exist (404); no token is 401', async () => {
    expect((await audit(home.people.admin.http, '')).status).toBe(200);
    for (const member of ['user', 'viewer'] as const) {
      const response = await audit(home.people[member].http, '');
      expect(response.status).toBe(403);
      expect(response.body.error.code).toBe('forbidden');
    }
    const stranger = await audit(home.people.stranger.http, '');
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('home_not_found');
    const unknown = await home.people.owner.http.get(`/api/audit/?home_id=${randomUUID()}`);
    expect(unknown.status).toBe(404);
    const anonymous = await new HttpClient(server.url).get(`/api/audit/?home_id=${home.homeId}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBeTruthy();
  });

  it('is described in the OpenAPI document', async () => {
    const doc = await new HttpClient(server.url).get('/api/openapi.json');
    const operation = doc.body.paths['/api/audit'].get;
    expect(operation.parameters.map((parameter: { name: string }) => parameter.name)).toEqual([
      'home_id',
      'from',
      'to',
      'type',
      'cursor',
      'limit',
    ]);
    expect(Object.keys(operation.responses).sort()).toEqual(['200', '400', '401', '403', '404', '500', '503']);
    expect(doc.body.components.schemas.AuditItem.properties.type.enum).toContain('RemoteCommandExpired');
  });

  it('answers with and without the trailing slash', async () => {
    const slash = await home.people.owner.http.get(`/api/audit/?home_id=${home.homeId}&limit=3`);
    const bare = await home.people.owner.http.get(`/api/audit?home_id=${home.homeId}&limit=3`);
    expect(bare.status).toBe(200);
    expect(bare.body).toEqual(slash.body);
  });

  it('pages through the cursor: every event exactly once, in order', async () => {
    const { items, pages } = await walkPages('', 3);
    expect(pages).toBe(Math.ceil(all.length / 3));
    expect(items.map((item) => item.position)).toEqual(all.map((item) => item.position));
    expect(new Set(items.map((item) => item.position)).size).toBe(items.length);
    const last = await audit(home.people.owner.http, `&limit=${all.length}`);
    expect(last.body.next_cursor).toBeNull();
  });

  it('filters by type (one, a comma list, or repeated) and by recording time (from inclusive, to exclusive)', async () => {
    const telemetry = await walkPages('&type=DeviceStatesReported,HomeMetadataSynced', 1);
    expect(telemetry.items.map((item) => item.type).sort()).toEqual(['DeviceStatesReported', 'HomeMetadataSynced']);
    const repeated = await audit(home.people.owner.http, '&type=RemoteCommandIssued&type=RemoteCommandSucceeded');
    expect(repeated.body.items.map((item: AuditItem) => item.type)).toEqual([
      'RemoteCommandIssued',
      'RemoteCommandSucceeded',
    ]);

    const middle = all[Math.floor(all.length / 2)]!;
    const from = encodeURIComponent(middle.recorded_at);
    const after = (await walkPages(`&from=${from}`, 500)).items;
    const before = (await walkPages(`&to=${from}`, 500)).items;
    expect(after.every((item) => item.recorded_at >= middle.recorded_at)).toBe(true);
    expect(after.map((item) => item.position)).toContain(middle.position);
    expect(before.every((item) => item.recorded_at < middle.recorded_at)).toBe(true);
    expect([...before, ...after].map((item) => item.position).sort()).toEqual(all.map((item) => item.position));
    const window = await audit(
      home.people.owner.http,
      `&from=${from}&to=${encodeURIComponent(new Date(Date.parse(middle.recorded_at) + 1).toISOString())}`,
    );
    expect(window.body.items.map((item: AuditItem) => item.position)).toContain(middle.position);
  });

  it('refuses a bad query with 400 and details', async () => {
    const owner = home.people.owner.http;
    for (const query of [
      '/api/audit/',
      '/api/audit/?home_id=not-a-uuid',
      `/api/audit/?home_id=${home.homeId}&limit=0`,
      `/api/audit/?home_id=${home.homeId}&limit=501`,
      `/api/audit/?home_id=${home.homeId}&type=NoSuchEvent`,
      `/api/audit/?home_id=${home.homeId}&type=UserRegistered`,
      `/api/audit/?home_id=${home.homeId}&from=yesterday`,
      `/api/audit/?home_id=${home.homeId}&from=2030-01-01T00:00:00Z&to=2020-01-01T00:00:00Z`,
    ]) {
      const response = await owner.get(query);
      expect(response.status, query).toBe(400);
      expect(response.body.error.code, query).toBe('validation_error');
      expect(response.body.error.details.issues.length, query).toBeGreaterThan(0);
    }
    for (const cursor of ['garbage!', 'Zm9v', Buffer.from(JSON.stringify({ v: 1, p: 'x' })).toString('base64url')]) {
      const response = await audit(owner, `&cursor=${encodeURIComponent(cursor)}`);
      expect(response.status, cursor).toBe(400);
      expect(response.body.error.code).toBe('invalid_cursor');
    }
  });

  it('a rebuilt audit read model equals the live one (projections verify), and answers the same', async () => {
    const { knex } = server.stores.readModels;
    const verified = await verifyProjection(server.stores.eventStore, knex, auditIndexProjection);
    expect(verified.differences).toEqual([]);
    await rebuildProjection(server.stores.eventStore, knex, auditIndexProjection);
    const again = (await walkPages('', 500)).items;
    expect(again).toEqual(all);
  });
});
