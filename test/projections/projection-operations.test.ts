import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app.ts';
import { projectionsList, projectionsRebuild, projectionsVerify } from '../../src/cli/projections-command.ts';
import { loadConfig } from '../../src/config.ts';
import { connectDatabase, type Database } from '../../src/database/connect.ts';
import { DataDirLockedError } from '../../src/database/data-dir-lock.ts';
import { createLogger } from '../../src/logger.ts';
import { usersProjection } from '../../src/projections/read-models/users-projection.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { StaleProjectionError } from '../../src/projections/stale-projection-error.ts';
import { walkAccounts } from '../support/account-walk.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { databaseTargets } from '../support/databases.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import path from 'node:path';

function readModelDatabase(server: TestServer): Database {
  return server.env.DATABASE_URL
    ? connectDatabase({ kind: 'postgres', url: server.env.DATABASE_URL })
    : connectDatabase({ kind: 'pglite', dataDir: path.join(server.env.DATA_DIR!, 'pglite') });
}

describe.each(databaseTargets())('projections for operators (%s)', (target) => {
  describe('blue/green rebuild while serving', () => {
    let server: TestServer;
    beforeAll(async () => {
      // A busy shared Postgres server can delay $all visibility; let writes wait for the read models longer.
      server = await startTestServer(target, { READ_YOUR_WRITES_TIMEOUT_MS: '20000' });
    });
    afterAll(() => server.stop());

    it('readers keep getting full answers during rebuilds, and the live runner continues after the swap', async () => {
      const http = new HttpClient(server.url);
      const users = [];
      for (let i = 0; i < 5; i++) {
        const email = `reader-${i}-${Date.now()}@example.com`;
        const response = await http.post('/api/auth/register', {
          email,
          password: 'long enough password',
          name: `R${i}`,
        });
        expect(response.status).toBe(201);
        users.push({ email, client: http.withToken(response.body.access as string) });
      }
      let reading = true;
      const answers: Array<{ status: number; email: unknown }> = [];
      const readers = users.map(async (user) => {
        while (reading) {
          const response = await user.client.get('/api/auth/profile');
          answers.push({ status: response.status, email: response.body?.email });
          expect(response.body?.email).toBe(user.email);
        }
      });
      try {
        for (let round = 0; round < 3; round++) {
          if (target === 'pglite') {
            // Embedded PGlite is this process's alone: rebuild through the server's own connection.
            await rebuildProjection(server.stores.eventStore, server.stores.readModels.knex, usersProjection);
          } else {
            const io = captureIo();
            await projectionsRebuild(cliConfig(server.env), ['users'], {}, io);
            expect(io.output()).toMatch(/Rebuilt users v1: \d+ events/);
            expect(io.errors()).toMatch(/rebuild users: \d+\/\d+ events/);
          }
        }
      } finally {
        reading = false;
        await Promise.all(readers);
      }
      expect(answers.length).toBeGreaterThan(0);
      expect(answers.every((a) => a.status === 200)).toBe(true);

      // After the swap the live runner applies new events to the rebuilt tables.
      const late = await http.post('/api/auth/register', {
        email: `late-${Date.now()}@example.com`,
        password: 'long enough password',
      });
      expect(late.status).toBe(201);
      const profile = await http.withToken(late.body.access as string).patch('/api/auth/profile', { name: 'Renamed' });
      expect(profile.body.name).toBe('Renamed');
    });
  });

  describe('list, verify, stale versions', () => {
    let server: TestServer;
    let userId: string;
    beforeAll(async () => {
      server = await startTestServer(target);
      userId = (await walkAccounts(server.url)).userId;
      await server.projections.waitFor(await server.stores.eventStore.headPosition(), usersProjection.eventTypes, 5000);
      // Embedded PGlite: the CLI runs once the server has let go of DATA_DIR.
      if (target === 'pglite') await server.close();
    });
    afterAll(() => server.stop());

    it('lists each projection with version, checkpoint, lag and state', async () => {
      const io = captureIo();
      const [status] = await projectionsList(cliConfig(server.env), io);
      expect(status).toMatchObject({ name: 'users', version: 1, tablesVersion: 1, lagEvents: 0, state: 'up to date' });
      expect(io.output()).toMatch(
        /^NAME\s+VERSION\s+CHECKPOINT\s+LAG \(events\)\s+LAG \(s\)\s+STATE\s+REJECTED\n(.*\n)*users\s+1\s+\d{20}:\d{20}\s+0\s+0\.0\s+up to date\s+0\n/,
      );
    });

    it('verify: replay reproduces the live tables; one changed live row fails and is named', async () => {
      const config = cliConfig(server.env);
      const ok = captureIo();
      expect(await projectionsVerify(config, ok)).toBe(0);
      expect(ok.output()).toContain('OK users');

      const database = readModelDatabase(server);
      try {
        await database.knex('users').where({ id: userId }).update({ name: 'Eve' });
      } finally {
        await database.close();
      }
      const bad = captureIo();
      expect(await projectionsVerify(config, bad)).toBe(1);
      expect(bad.output()).toContain('DIFFERENT users: 1 rows differ');
      expect(bad.output()).toContain(`users row ${userId}: name is "Eve" live but "Ada Lovelace" on replay`);

      await projectionsRebuild(config, [], { all: true }, captureIo());
      expect(await projectionsVerify(config, captureIo())).toBe(0);
    });

    it('a version bump makes serve refuse the stale tables naming the command; AUTO_REBUILD=1 rebuilds them', async () => {
      if (target === 'postgres') await server.close();
      const database = readModelDatabase(server);
      try {
        await database.knex('projection_checkpoints').where({ name: 'users' }).update({ version: 0 });
      } finally {
        await database.close();
      }
      const env = { ...server.env, LOG_LEVEL: 'silent' };
      const logger = createLogger('silent');
      await expect(startServer(loadConfig(env), logger)).rejects.toThrow(StaleProjectionError);
      await expect(startServer(loadConfig(env), logger)).rejects.toThrow(
        'run `smarthome-cloud projections rebuild users`',
      );

      const io = captureIo();
      expect((await projectionsList(cliConfig(env), io))[0]!.state).toBe('stale version');
      expect(io.output()).toContain('0 (code: 1)');

      const rebuilt = await startServer(loadConfig({ ...env, AUTO_REBUILD: '1' }), logger);
      try {
        const profile = await new HttpClient(rebuilt.url).post('/api/auth/login', {
          email: 'nobody@example.com',
          password: 'x',
        });
        expect(profile.status).toBe(401);
      } finally {
        await rebuilt.close();
      }
      expect((await projectionsList(cliConfig(env), captureIo()))[0]).toMatchObject({
        tablesVersion: 1,
        state: 'up to date',
      });
      expect(await projectionsVerify(cliConfig(env), captureIo())).toBe(0);
    });
  });

  if (target === 'pglite') {
    it('a CLI command on a DATA_DIR held by serve stops with a message saying what to do', async () => {
      const server = await startTestServer('pglite');
      try {
        const attempt = projectionsList(cliConfig(server.env), captureIo());
        await expect(attempt).rejects.toThrow(DataDirLockedError);
        await expect(projectionsList(cliConfig(server.env), captureIo())).rejects.toThrow(
          /is in use by process \d+ \(serve[^)]*\).*stop that process and run this command again.*PostgreSQL server/,
        );
      } finally {
        await server.stop();
      }
    });
  }
});
