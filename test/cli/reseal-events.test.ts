/**
 * reseal-events: a log written by the pre-sealing server (plaintext personal values, claim streams named by an
 * unkeyed sha256 of the address) is copied by the CLI process into a new store; a server on the new store then
 * logs the person in, reads their data, erases them, and the new store holds their data only sealed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { PasswordHasher } from '../../src/commands/accounts/password-hasher.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import type { Actor, CommandContext } from '../../src/commands/metadata.ts';
import { auditExport, auditVerify } from '../../src/cli/audit-command.ts';
import { openEventStoreUrl } from '../../src/cli/event-store-url.ts';
import { emailClaimDecider } from '../../src/domain/accounts/email-claim.ts';
import { legacyEmailClaimStream, tokenFamilyStream, userStream } from '../../src/domain/accounts/email.ts';
import { tokenFamilyDecider } from '../../src/domain/accounts/token-family.ts';
import { userDecider } from '../../src/domain/accounts/user.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { createLogger } from '../../src/logger.ts';
import { allProjections } from '../../src/projections/all-projections.ts';
import { verifyProjection } from '../../src/projections/projection-verify.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { cliArgs } from '../support/cli-process.ts';
import { READ_MODEL_LAG } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PASSWORD = 'correct horse battery';
const tag = randomUUID().slice(0, 8);
const ANN = {
  firstEmail: `ann-${tag}@example.com`,
  email: `ann.now-${tag}@example.com`,
  firstName: `Ann Plaintext ${tag}`,
  name: `Ann P. Plaintext ${tag}`,
  userAgent: `AnnPhone/${tag}`,
  address: '203.0.113.41',
};
const SECRETS = Object.values(ANN);
const ENV = {
  NODE_ENV: 'test',
  JWT_SECRET: 'reseal-test-jwt-secret-that-is-long-enough-0123456789',
  DATA_KEY_SECRET: 'reseal-test-data-key-secret-0123456789abcdef',
  SCRYPT_LOG_N: '4',
  LOG_LEVEL: 'warn',
};

const found = (text: string) => SECRETS.filter((secret) => text.includes(secret));

function freshDataDir(label: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `smarthome-reseal-${label}-`));
  fs.cpSync(inject('pgliteTemplateDir'), path.join(dir, 'pglite'), { recursive: true });
  return dir;
}

/** Every row of the log as stored, every column: what "untouched" is checked against. */
async function rawLog(dataDir: string): Promise<string> {
  const database = connectDatabase({ kind: 'pglite', dataDir: path.join(dataDir, 'pglite') });
  try {
    const rows = await database.knex.raw(
      `select global_position::text, transaction_id::text, event_id::text, stream_name, revision::text, type,
              data::text, metadata::text, created_at::text from es_events order by global_position`,
    );
    return JSON.stringify(rows.rows);
  } finally {
    await database.close();
  }
}

async function rawRows(knex: Knex): Promise<string> {
  const rows = await knex.raw(`select stream_name, data::text as data, metadata::text as metadata from es_events`);
  return JSON.stringify(rows.rows);
}

/** Ann's history as the server wrote it before personal data was sealed: the handler without a sealer. */
async function writePlaintextLog(dataDir: string): Promise<string> {
  const old = await openEventStoreUrl(`pglite:${dataDir}`, createLogger('silent'), 'test');
  try {
    const handler = new EventSourcedCommandHandler(old.store, eventCatalogue);
    const userId = randomUUID();
    const as = (actor: Actor): CommandContext => {
      const id = randomUUID();
      const origin = { clientAddress: ANN.address, userAgent: ANN.userAgent };
      return { actor, correlationId: id, causationId: id, ...origin, now: new Date() };
    };
    const anonymous = as({ kind: 'anonymous', id: null });
    const ann = as({ kind: 'user', id: userId });
    const passwordHash = await new PasswordHasher(4).hash(PASSWORD);
    const claim = { type: 'Claim' as const, userId };
    await handler.execute(emailClaimDecider, legacyEmailClaimStream(ANN.firstEmail), claim, anonymous);
    const register = { type: 'Register' as const, userId, email: ANN.firstEmail, name: ANN.firstName, passwordHash };
    await handler.execute(userDecider, userStream(userId), register, anonymous);
    const family = randomUUID();
    const start = { type: 'Start' as const, userId, familyId: family, tokenId: randomUUID(), credentialsVersion: 0 };
    await handler.execute(tokenFamilyDecider, tokenFamilyStream(family), start, anonymous);
    await handler.execute(userDecider, userStream(userId), { type: 'UpdateProfile', name: ANN.name }, ann);
    // An e-mail change: the new address claimed, the change recorded, the old address released (all sha256 names).
    await handler.execute(emailClaimDecider, legacyEmailClaimStream(ANN.email), claim, ann);
    await handler.execute(
      userDecider,
      userStream(userId),
      { type: 'ChangeEmail', email: ANN.email, claimRevision: 0 },
      ann,
    );
    await handler.execute(emailClaimDecider, legacyEmailClaimStream(ANN.firstEmail), { type: 'Release', userId }, ann);
    return userId;
  } finally {
    await old.close();
  }
}

function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(...args), { cwd: ROOT, env: { ...process.env, ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('reseal-events', () => {
  let oldDir: string;
  let newDir: string;
  let userId: string;
  let oldLogBefore: string;
  let cli: { code: number | null; stderr: string };
  let server: TestServer;

  beforeAll(async () => {
    oldDir = freshDataDir('old');
    newDir = freshDataDir('new');
    userId = await writePlaintextLog(oldDir);
    oldLogBefore = await rawLog(oldDir);
    expect(found(oldLogBefore)).toEqual(SECRETS);
    cli = await runCli(['reseal-events', '--from', `pglite:${oldDir}`], { ...ENV, DATA_DIR: newDir });
    server = await startTestServer('pglite', { ...ENV, DATA_DIR: newDir, LOG_LEVEL: 'silent' });
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    for (const dir of [oldDir, newDir]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('says what it did, and that the old log is left untouched', () => {
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toMatch(/Done: 7 events copied, 7 of them sealed now, 2 e-mail claim streams renamed/);
    expect(cli.stderr).toMatch(/The old log \(pglite:.*\) was only read and is left untouched/);
  });

  it('the new store holds no plaintext personal data and no unkeyed claim stream', async () => {
    const rows = await rawRows(server.stores.readModels.knex);
    expect(found(rows)).toEqual([]);
    expect(rows).toContain('pd1:user:');
    expect(rows).not.toContain(legacyEmailClaimStream(ANN.email));
    expect(rows).not.toContain(legacyEmailClaimStream(ANN.firstEmail));
    expect(rows).toContain(server.stores.claimStreams.keyed(ANN.email));
  });

  it('the person logs in on the new store and reads their data; the address stays theirs, the old one is free', async () => {
    const login = await new HttpClient(server.url).post('/api/auth/login', { email: ANN.email, password: PASSWORD });
    expect(login.status, JSON.stringify(login.body)).toBe(200);
    expect(login.body.user).toMatchObject({ id: userId, email: ANN.email, name: ANN.name });
    const anon = new HttpClient(server.url);
    const taken = await anon.post('/api/auth/register', { email: ANN.email, password: PASSWORD, name: 'Copycat' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('email_taken');
    const profile = await new HttpClient(server.url, login.body.access).get('/api/auth/profile');
    expect(profile.body).toMatchObject({ id: userId, email: ANN.email, name: ANN.name });
  });

  it('erasing the person makes their values "[erased]"; projections verify; the address registers again', async () => {
    const login = await new HttpClient(server.url).post('/api/auth/login', { email: ANN.email, password: PASSWORD });
    const ann = new HttpClient(server.url, login.body.access);
    const deleted = await ann.request('DELETE', '/api/auth/account', { password: PASSWORD, confirm: 'DELETE' });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(204);
    const history = await server.stores.eventStore.readStream(userStream(userId));
    const registered = history.find((event) => event.type === 'UserRegistered')!;
    expect(registered.data).toMatchObject({ email: '[erased]', name: '[erased]' });
    expect(registered.metadata).toMatchObject({ client_address: '[erased]', user_agent: '[erased]' });
    const knex = server.stores.readModels.knex;
    await vi.waitFor(async () => expect((await knex('users').where({ id: userId })).length).toBe(0), READ_MODEL_LAG);
    for (const projection of allProjections) {
      const verified = await verifyProjection(server.stores.eventStore, knex, projection);
      expect(verified.differences, projection.name).toEqual([]);
    }
    expect(found(await rawRows(knex))).toEqual([]);
    const again = await new HttpClient(server.url).post('/api/auth/register', {
      email: ANN.email,
      password: PASSWORD,
      name: 'Someone new',
    });
    expect(again.status, JSON.stringify(again.body)).toBe(201);
  }, 60_000);

  it('`audit verify` passes on an export of the new store; the old store is unchanged row for row', async () => {
    await server.close();
    const file = path.join(newDir, 'export.jsonl');
    const config = cliConfig({ ...ENV, DATA_DIR: newDir });
    expect(await auditExport(config, { all: true, out: file }, captureIo())).toBeGreaterThan(9);
    const verify = captureIo();
    expect(await auditVerify(config, { file }, verify)).toBe(0);
    expect(verify.output()).toMatch(/^OK: /);
    expect(found(fs.readFileSync(file, 'utf8'))).toEqual([]);
    expect(await rawLog(oldDir)).toBe(oldLogBefore);
  }, 60_000);

  it('refuses a destination that already holds events, writing nothing', async () => {
    const before = await rawLog(newDir);
    const again = await runCli(['reseal-events', '--from', `pglite:${oldDir}`], { ...ENV, DATA_DIR: newDir });
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/writes into an empty event store/);
    expect(await rawLog(newDir)).toBe(before);
  }, 60_000);
});
