import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toAuditRecord, type AuditRecord } from '../../src/audit/audit-record.ts';
import { scopedEvents } from '../../src/audit/audit-scope.ts';
import { verifyRecordChains } from '../../src/audit/chain-verification.ts';
import { auditExport, auditVerify } from '../../src/cli/audit-command.ts';
import { allProjections } from '../../src/projections/all-projections.ts';
import { verifyProjection } from '../../src/projections/projection-verify.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { connectedGateway, READ_MODEL_LAG, registerUser } from '../support/fixtures.ts';
import { HttpClient, type JsonResponse } from '../support/http.ts';
import { makeStaff, type TestStaff } from '../support/staff.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

class LogBuffer extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

/** A person's phone: every request carries their user agent and (through the trusted proxy) their address. */
class PersonClient extends HttpClient {
  constructor(
    baseUrl: string,
    private readonly origin: Record<string, string>,
    token?: string,
  ) {
    super(baseUrl, token);
  }
  override withToken(token: string): PersonClient {
    return new PersonClient(this.baseUrl, this.origin, token);
  }
  override request<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return super.request<T>(method, path, body, { ...this.origin, ...headers });
  }
}

const PASSWORD = 'correct horse battery';
const tag = randomUUID().slice(0, 8);
/** Everything about Erin that must be gone after erasure. */
const ERIN = {
  email: `erin-${tag}@example.com`,
  newEmail: `erin.new-${tag}@example.com`,
  name: `Erin Shredwell ${tag}`,
  newName: `Erin Q. Shredwell ${tag}`,
  userAgent: `ErinPhone/${tag}`,
  address: '198.51.100.77',
  homeName: `Erin Nest ${tag}`,
  gatewayName: `Erin Hub ${tag}`,
  pairingHomeName: `Erin Cabin ${tag}`,
  gatewayAgent: `ErinGatewayOS/${tag}`,
  // Free text she typed as staff: hers, sealed under her key (not under the key of whom she acted on).
  deactivationReason: `Erin deactivated this one: ${tag}`,
  revokeReason: `Erin revoked this hub: ${tag}`,
};
const SECRETS = Object.values(ERIN);

function found(text: string): string[] {
  return SECRETS.filter((secret) => text.includes(secret));
}

async function rawRows(knex: Knex): Promise<string> {
  const rows = await knex.raw(
    `select stream_name, type, data::text as data, metadata::text as metadata from es_events`,
  );
  return JSON.stringify(rows.rows);
}

/** Every read-model table (the log and the key store aside). */
async function readModelDump(knex: Knex): Promise<string> {
  const tables = await knex.raw(
    `select table_name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  const names = (tables.rows as Array<{ table_name: string }>)
    .map((row) => row.table_name)
    .filter((name) => !name.startsWith('es_') && name !== 'personal_data_keys' && !name.startsWith('knex_'));
  expect(names).toEqual(expect.arrayContaining(['users', 'homes', 'gateways', 'audit_index', 'bridge_sessions']));
  const dump: Record<string, unknown> = {};
  for (const name of names) dump[name] = await knex(name).select();
  return JSON.stringify(dump);
}

async function exportAll(server: TestServer): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const event of scopedEvents(server.stores.sealedEventStore, { kind: 'all' }, {})) {
    records.push(toAuditRecord(event));
  }
  return records;
}

function ok(response: JsonResponse, status: number) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  return response.body;
}

describe('crypto-shredding: a person leaves, the history stays and verifies', () => {
  const log = new LogBuffer();
  let server: TestServer;
  let knex: Knex;
  let erin: PersonClient;
  let erinId: string;
  let erinHomeId: string;
  let olgaHomeId: string;
  let olga: HttpClient;
  let exportBefore: AuditRecord[];
  /** Someone Erin deactivated as staff, whose gateway she revoked; and a colleague who reads the staff views. */
  let victim: { id: string; gatewayId: string };
  let colleague: TestStaff;

  beforeAll(async () => {
    server = await startTestServer('pglite', { TRUST_PROXY: '1', LOG_LEVEL: 'debug' }, {}, { destination: log });
    knex = server.stores.readModels.knex;
    const origin = { 'user-agent': ERIN.userAgent, 'x-forwarded-for': ERIN.address };
    const anonymous = new PersonClient(server.url, origin);
    const registered = ok(
      await anonymous.post('/api/auth/register', { email: ERIN.email, password: PASSWORD, name: ERIN.name }),
      201,
    );
    erinId = registered.user.id;
    erin = anonymous.withToken(registered.access);
    // A refresh token presented twice (its successor unused): RefreshTokenRepresented keeps address and agent.
    ok(await anonymous.post('/api/auth/refresh', { refresh: registered.refresh }), 200);
    ok(await anonymous.post('/api/auth/refresh', { refresh: registered.refresh }), 200);
    ok(await erin.patch('/api/auth/profile', { name: ERIN.newName, email: ERIN.newEmail }), 200);
    ok(await erin.post('/api/auth/change-password', { old_password: PASSWORD, new_password: `${PASSWORD}!` }), 204);
    const login = ok(await anonymous.post('/api/auth/login', { email: ERIN.newEmail, password: `${PASSWORD}!` }), 200);
    erin = anonymous.withToken(login.access);

    // Her own home: a gateway (named), the home renamed, the gateway renamed and connected.
    const provisioned = ok(await erin.post('/api/gateways/provision', { name: 'first hub' }), 201);
    erinHomeId = provisioned.home_id;
    ok(await erin.patch(`/api/homes/${erinHomeId}/`, { name: ERIN.homeName }), 200);
    ok(await erin.patch(`/api/gateways/${provisioned.id}/`, { name: ERIN.gatewayName }), 200);
    const { socket } = await connectedGateway(
      server,
      { gatewayId: provisioned.id, secret: provisioned.secret },
      { headers: { 'user-agent': ERIN.gatewayAgent } },
    );
    socketClosed = socket.closed;
    // A pairing code for a new home: its names are hers.
    ok(await erin.post('/api/gateways/request-pairing', { name: 'cabin hub', home_name: ERIN.pairingHomeName }), 201);

    // Olga's home, where Erin is an admin and renames it (the name stays: it is Olga's home's).
    const olgaUser = await registerUser(server, 'olga');
    olga = olgaUser.http;
    olgaHomeId = ok(await olga.post('/api/gateways/provision', { name: 'olga hub' }), 201).home_id;
    ok(await olga.post(`/api/gateways/homes/${olgaHomeId}/permissions/`, { user_id: erinId, role: 'admin' }), 201);
    ok(await erin.patch(`/api/homes/${olgaHomeId}/`, { name: `Olga's place ${tag}` }), 200);

    // Erin is staff too: she revokes someone's gateway and deactivates them, each with a reason she types.
    erin = anonymous.withToken(
      (await makeStaff(server, 'erin', { email: ERIN.newEmail, password: `${PASSWORD}!` })).access,
    );
    const victimUser = await registerUser(server, 'victim');
    const victimHub = ok(await victimUser.http.post('/api/gateways/provision', { name: 'victim hub' }), 201);
    victim = { id: victimUser.id, gatewayId: victimHub.id };
    ok(await erin.post(`/api/admin/gateways/${victim.gatewayId}/revoke`, { reason: ERIN.revokeReason }), 200);
    ok(await erin.post(`/api/admin/users/${victim.id}/deactivate`, { reason: ERIN.deactivationReason }), 200);
    colleague = await makeStaff(server, 'colleague');
    exportBefore = await exportAll(server);
  });
  let socketClosed: Promise<{ code: number; reason: string }>;

  afterAll(async () => {
    await server?.stop();
  });

  /** Erin's two staff reasons as a colleague reads them: the deactivated account, the revocation in the audit log. */
  async function staffViewsOfReasons(): Promise<unknown[]> {
    const account = ok(await colleague.http.get(`/api/admin/users/${victim.id}`), 200);
    let revoked: unknown;
    await vi.waitFor(async () => {
      const page = ok(
        await colleague.http.get(`/api/admin/audit?type=GatewayRevoked&gateway_id=${victim.gatewayId}`),
        200,
      );
      expect(page.items).toHaveLength(1);
      revoked = page.items[0].data.reason;
    }, READ_MODEL_LAG);
    return [account.deactivation_reason, revoked];
  }

  it('before: the log holds her values sealed only; the read models and the API show them', async () => {
    expect(found(await rawRows(knex))).toEqual([]);
    expect(found(exportBefore.map((record) => JSON.stringify(record)).join('\n'))).toEqual([]);
    const models = found(await readModelDump(knex));
    expect(models).toEqual(expect.arrayContaining([ERIN.newEmail, ERIN.newName, ERIN.homeName, ERIN.gatewayName]));
    expect(ok(await erin.get('/api/auth/profile'), 200)).toMatchObject({ email: ERIN.newEmail, name: ERIN.newName });
    const audit = ok(await olga.get(`/api/audit/?home_id=${olgaHomeId}`), 200);
    expect(JSON.stringify(audit)).toContain(ERIN.userAgent);
    expect(verifyRecordChains(exportBefore).breaks).toEqual([]);
    expect(await staffViewsOfReasons()).toEqual([ERIN.deactivationReason, ERIN.revokeReason]);
  });

  it('refuses while she owns a home (409 listing it), and without the password or the confirmation', async () => {
    const refused = ok(
      await erin.request('DELETE', '/api/auth/account', { password: `${PASSWORD}!`, confirm: 'DELETE' }),
      409,
    );
    expect(refused.error.code).toBe('sole_owner');
    expect(refused.error.details.homes).toEqual([{ id: erinHomeId, name: ERIN.homeName }]);
    expect(
      ok(await erin.request('DELETE', '/api/auth/account', { password: 'wrong one', confirm: 'DELETE' }), 400).error
        .code,
    ).toBe('wrong_password');
    ok(await erin.request('DELETE', '/api/auth/account', { password: `${PASSWORD}!` }), 400);
  });

  it('deleting her home revokes its gateway (session closed) and shreds its names', async () => {
    ok(await erin.request('DELETE', `/api/homes/${erinHomeId}`), 204);
    await socketClosed;
    ok(await erin.get(`/api/homes/${erinHomeId}/`), 404);
  });

  it('after the account is deleted: her values are nowhere, every chain verifies, the address is free', async () => {
    ok(await erin.request('DELETE', '/api/auth/account', { password: `${PASSWORD}!`, confirm: 'DELETE' }), 204);
    ok(await erin.get('/api/auth/profile'), 404);
    expect(found(await rawRows(knex))).toEqual([]);
    const exportAfter = await exportAll(server);
    expect(found(exportAfter.map((record) => JSON.stringify(record)).join('\n'))).toEqual([]);
    // The same ciphertext: every event exported before is exported again unchanged, and both exports verify.
    const after = new Map(exportAfter.map((record) => [record.position, JSON.stringify(record)]));
    for (const record of exportBefore) expect(after.get(record.position)).toBe(JSON.stringify(record));
    expect(verifyRecordChains(exportBefore).breaks).toEqual([]);
    expect(verifyRecordChains(exportAfter).breaks).toEqual([]);

    // The projections apply the erasure events (read-your-writes waited for the writes' own projections).
    await vi.waitFor(async () => expect(found(await readModelDump(knex))).toEqual([]), READ_MODEL_LAG);
    expect(found(await readModelDump(knex))).toEqual([]);
    const audit = JSON.stringify(ok(await olga.get(`/api/audit/?home_id=${olgaHomeId}&limit=500`), 200));
    expect(found(audit)).toEqual([]);
    expect(audit).toContain('[erased]');
    expect(audit).toContain(`Olga's place ${tag}`);
    expect(await staffViewsOfReasons(), 'her reasons, as a colleague sees them').toEqual(['[erased]', '[erased]']);
    for (const projection of allProjections) {
      const verified = await verifyProjection(server.stores.eventStore, knex, projection);
      expect(verified.differences, projection.name).toEqual([]);
    }
    for (const projection of allProjections) await rebuildProjection(server.stores.eventStore, knex, projection);
    expect(found(await readModelDump(knex))).toEqual([]);
    expect(found(log.text)).toEqual([]);
    // Last (it puts the address back in the read models): the freed address registers again, and she is gone.
    const again = new HttpClient(server.url);
    ok(await again.post('/api/auth/login', { email: ERIN.newEmail, password: `${PASSWORD}!` }), 401);
    ok(await again.post('/api/auth/register', { email: ERIN.newEmail, password: PASSWORD, name: 'Someone new' }), 201);
  }, 120_000);

  it('the CLI: `audit export` of the whole log and `audit verify` of that export pass once the server stopped', async () => {
    // Embedded PGlite belongs to one process: the CLI runs after the server let go of DATA_DIR.
    await server.close();
    const file = `${server.dataDir}/after.jsonl`;
    const io = captureIo();
    const config = cliConfig(server.env);
    expect(await auditExport(config, { all: true, out: file }, io)).toBeGreaterThan(0);
    const verify = captureIo();
    expect(await auditVerify(config, { file }, verify)).toBe(0);
    expect(verify.output()).toMatch(/^OK: /);
    expect(found(fs.readFileSync(file, 'utf8'))).toEqual([]);
  }, 120_000);
});
