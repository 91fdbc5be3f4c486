import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { connectDatabase } from '../../src/database/connect.ts';
import { createLogger } from '../../src/logger.ts';
import { StaleProjectionError } from '../../src/projections/stale-projection-error.ts';
import { HttpClient } from '../support/http.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * Homes got a `name` (homes projection version 2). A deployment whose `homes` table was built by version 1 (no
 * name column) must not serve it: serve refuses, and AUTO_REBUILD=1 rebuilds it from the log, where homes
 * created before names read as "Home".
 */
describe('the homes read model built before homes had names', () => {
  let server: TestServer;
  let owner: HttpClient;
  let access: string;
  let unnamed: string;
  let renamed: string;
  beforeAll(async () => {
    server = await startTestServer('pglite');
    const registered = await new HttpClient(server.url).post('/api/auth/register', {
      email: 'upgrade@example.com',
      password: 'correct horse battery',
    });
    access = registered.body.access as string;
    owner = new HttpClient(server.url, access);
    unnamed = (await owner.post('/api/gateways/provision', { name: 'Hall' })).body.home_id;
    renamed = (await owner.post('/api/gateways/provision', { name: 'Barn' })).body.home_id;
    expect((await owner.patch(`/api/homes/${renamed}/`, { name: 'Farm' })).status).toBe(200);
    await server.close();
    // What version 1 left: no name column, its version in the checkpoint.
    const database = connectDatabase({ kind: 'pglite', dataDir: path.join(server.env.DATA_DIR!, 'pglite') });
    try {
      await database.knex.schema.alterTable('homes', (table) => table.dropColumn('name'));
      await database.knex('projection_checkpoints').where({ name: 'homes' }).update({ version: 1 });
    } finally {
      await database.close();
    }
  });
  afterAll(() => server.stop());

  it('serve refuses the stale table; AUTO_REBUILD=1 rebuilds it and every home has its name ("Home" when it had none)', async () => {
    const env = { ...server.env, LOG_LEVEL: 'silent' };
    const logger = createLogger('silent');
    await expect(startServer(loadConfig(env), logger)).rejects.toThrow(StaleProjectionError);
    const rebuilt = await startServer(loadConfig({ ...env, AUTO_REBUILD: '1' }), logger);
    try {
      const homes = await new HttpClient(rebuilt.url, access).get('/api/homes/');
      expect(homes.status).toBe(200);
      const names = Object.fromEntries(
        (homes.body as Array<{ id: string; name: string }>).map((home) => [home.id, home.name]),
      );
      expect(names).toEqual({ [unnamed]: 'Home', [renamed]: 'Farm' });
    } finally {
      await rebuilt.close();
    }
  });
});
