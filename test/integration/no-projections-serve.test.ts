import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { allProjections } from '../../src/projections/all-projections.ts';
import { provisionGateway, registerUser } from '../support/fixtures.ts';
import { HttpClient } from '../support/http.ts';
import { cliArgs } from '../support/cli-process.ts';
import { freshPostgresDatabase } from '../support/databases.ts';
import { startServeNode, stopServeNode, type ServeNode } from '../support/serve-node.ts';

const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/**
 * The split shape the README shows: `serve --no-projections` takes the calls and applies nothing; `projections
 * run` applies every projection. A write on the API node waits for the checkpoints the worker commits (in the
 * database), so the read that follows it sees it — through real HTTP, across two processes.
 */
onPostgres('serve --no-projections beside projections run', () => {
  let database: { url: string; drop: () => Promise<void> };
  let dataDir: string;
  let api: ServeNode;
  let worker: ChildProcess;
  const workerOutput: string[] = [];

  beforeAll(async () => {
    database = await freshPostgresDatabase();
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-split-'));
    // The API node first: it creates the schema; the worker then finds the read-model tables.
    api = await startServeNode('api', database.url, dataDir, {}, ['--no-projections']);
    worker = spawn(process.execPath, cliArgs('projections', 'run'), {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        EVENT_STORE_URL: database.url,
        DATABASE_URL: database.url,
        DATA_DIR: path.join(dataDir, 'worker'),
        JWT_SECRET: 'two-process-test-secret-0123456789-abcdefghij',
        // The CLI logs info lines only at debug level (its 'info' is warn).
        LOG_LEVEL: 'debug',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (chunk: Buffer) => workerOutput.push(chunk.toString()));
    worker.stderr!.on('data', (chunk: Buffer) => workerOutput.push(chunk.toString()));
    // Every projection's lease taken: one "acquired" line each (logged at info, shown by the CLI at debug).
    await vi.waitFor(
      () => expect(workerOutput.join('').match(/worker lock acquired/g)?.length).toBe(allProjections.length),
      { timeout: 60_000, interval: 100 },
    );
  }, 120_000);
  afterAll(async () => {
    await stopServeNode(api);
    if (worker.exitCode === null) {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('each write is read back at once through the API node, which applies no projection itself', async () => {
    const owner = await registerUser(api, 'split');
    const login = await new HttpClient(api.url).post('/api/auth/login', {
      email: owner.email,
      password: 'correct horse battery',
    });
    expect(login.status, `${JSON.stringify(login.body)} ${workerOutput.join('')}`).toBe(200);
    expect(login.body.user).toMatchObject({ id: owner.id, email: owner.email });

    const home = await provisionGateway(owner, { name: 'Hall' });
    expect((await owner.http.get(`/api/gateways/${home.gatewayId}/`)).status).toBe(200);
    const renamed = await owner.http.patch(`/api/homes/${home.homeId}/`, { name: 'Split Villa' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body.name).toBe('Split Villa');

    const ready = await new HttpClient(api.url).get('/readyz');
    const projections = (ready.body.checks as Array<{ name: string; detail: Array<{ appliedHere: boolean }> }>).find(
      (check) => check.name === 'projections',
    )!;
    expect(projections.detail.length).toBeGreaterThan(0);
    expect(projections.detail.every((projection) => projection.appliedHere === false)).toBe(true);
  });
});
