import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { projectionsRebuild } from '../../src/cli/projections-command.ts';
import { readCheckpoint } from '../../src/projections/checkpoints.ts';
import type { Projection } from '../../src/projections/projection.ts';
import { ProjectionSet } from '../../src/projections/projection-set.ts';
import { ProjectionWorkers } from '../../src/projections/projection-workers.ts';
import { workerLockKey } from '../../src/projections/advisory-locks.ts';
import { usersProjection } from '../../src/projections/read-models/users-projection.ts';
import { createLogger } from '../../src/logger.ts';
import { openStores, type Stores } from '../../src/stores.ts';
import { loadConfig } from '../../src/config.ts';
import { seedAccounts } from '../support/account-event-mix.ts';
import { captureIo, cliConfig } from '../support/cli.ts';
import { cliArgs } from '../support/cli-process.ts';
import { freshPostgresDatabase } from '../support/databases.ts';

const logger = createLogger('silent');
const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

onPostgres('projection workers and rebuilds on a Postgres server', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function database() {
    const fresh = await freshPostgresDatabase();
    cleanups.push(fresh.drop);
    const env = { EVENT_STORE_URL: fresh.url, DATABASE_URL: fresh.url, DATA_DIR: '/nonexistent', LOG_LEVEL: 'silent' };
    const open = async (): Promise<Stores> => {
      const stores = await openStores(loadConfig(env), logger, 'test');
      cleanups.push(() => stores.close());
      return stores;
    };
    return { env, open };
  }

  it('two `projections run` workers never both apply: one holds the advisory lock, the other takes over when it stops', async () => {
    const { open } = await database();
    const applied = { a: 0, b: 0 };
    const counting = (worker: 'a' | 'b'): Projection => ({
      ...usersProjection,
      async applyBatch(trx, events, table) {
        applied[worker] += events.length;
        await usersProjection.applyBatch!(trx, events, table);
      },
    });
    const storesA = await open();
    const storesB = await open();
    await new ProjectionSet(storesA.eventStore, storesA.readModels.knex, [usersProjection], logger).migrate();
    const workerA = new ProjectionWorkers(
      storesA.eventStore,
      storesA.readModels.knex,
      storesA.readModels.target,
      [counting('a')],
      logger,
      { lockRetryMs: 50, runnerIdlePollMs: 200 },
    );
    const workerB = new ProjectionWorkers(
      storesB.eventStore,
      storesB.readModels.knex,
      storesB.readModels.target,
      [counting('b')],
      logger,
      { lockRetryMs: 50, runnerIdlePollMs: 200 },
    );
    workerA.start();
    await vi.waitFor(() => expect(workerA.status()[0]!.holdsLock).toBe(true));
    workerB.start();
    cleanups.push(
      () => workerA.stop(),
      () => workerB.stop(),
    );

    // Per user: UserRegistered, 3 UserProfileUpdated, UserEmailChanged. Counted, not read back from $all: on a busy
    // server $all shows new transactions only once older ones anywhere in the cluster have finished.
    let expected = 0;
    const appliedAll = async () => {
      await vi.waitFor(
        async () => expect((await readCheckpoint(storesA.readModels.knex, 'users'))?.events_applied).toBe(expected),
        { timeout: 20_000 },
      );
    };
    const relevant = async () =>
      await storesA.eventStore.countEvents!({ filter: { eventTypes: usersProjection.eventTypes } });
    await seedAccounts(storesA.eventStore, 20, 4);
    expected += 20 * 5;
    await appliedAll();
    expect(workerB.status()[0]!.holdsLock).toBe(false);
    expect(applied).toEqual({ a: expected, b: 0 });

    await workerA.stop();
    await vi.waitFor(() => expect(workerB.status()[0]!.holdsLock).toBe(true), { timeout: 10_000 });
    await seedAccounts(storesA.eventStore, 10, 4);
    expected += 10 * 5;
    await appliedAll();
    const total = await relevant();
    expect(applied.a + applied.b).toBe(total);
    expect((await readCheckpoint(storesA.readModels.knex, 'users'))!.events_applied).toBe(total);
    expect(Number((await storesA.readModels.knex('users').count({ n: '*' }))[0]!.n)).toBe(30);
  });

  it("when the lease holder's connection dies, a standing-by ProjectionSet takes over and applies each event once; its waits read the database", async () => {
    const { open } = await database();
    const applied = { a: 0, b: 0 };
    const counting = (worker: 'a' | 'b'): Projection => ({
      ...usersProjection,
      async applyBatch(trx, events, table) {
        applied[worker] += events.length;
        await usersProjection.applyBatch!(trx, events, table);
      },
    });
    const storesA = await open();
    const storesB = await open();
    const setOf = (stores: Stores, worker: 'a' | 'b') =>
      new ProjectionSet(stores.eventStore, stores.readModels.knex, [counting(worker)], logger, {
        target: stores.readModels.target,
        lockRetryMs: 50,
      });
    const setA = setOf(storesA, 'a');
    const setB = setOf(storesB, 'b');
    await setA.migrate();
    await setA.start();
    cleanups.push(() => setA.stop());
    await vi.waitFor(() => expect(setA.applies('users')).toBe(true));
    await setB.start();
    cleanups.push(() => setB.stop());

    // B applies nothing, yet its read-your-writes wait ends when A's commit reaches the checkpoint row.
    await seedAccounts(storesB.eventStore, 5, 4);
    expect(await setB.waitFor(await storesB.eventStore.headPosition(), ['UserRegistered'], 10_000)).toBe(true);
    expect(setB.applies('users')).toBe(false);
    expect(applied).toEqual({ a: 25, b: 0 });

    // The holder's lock connection dies (as when its process is killed): the server frees the lock with it.
    // pg_locks spans the cluster: only this database's holder, not the servers of the test files running beside.
    const key = BigInt(workerLockKey('users'));
    await storesB.readModels.knex.raw(
      `select pg_terminate_backend(pid) from pg_locks
        where locktype = 'advisory' and granted and classid = ? and objid = ? and objsubid = 1
          and database = (select oid from pg_database where datname = current_database())`,
      [String((key >> 32n) & 0xffffffffn), String(key & 0xffffffffn)],
    );
    await vi.waitFor(() => expect(setB.applies('users')).toBe(true), { timeout: 10_000 });
    await vi.waitFor(() => expect(setA.applies('users')).toBe(false), { timeout: 10_000 });

    await seedAccounts(storesA.eventStore, 5, 4);
    // Now A stands by, and its wait is answered by B's commits.
    expect(await setA.waitFor(await storesA.eventStore.headPosition(), ['UserRegistered'], 10_000)).toBe(true);
    const total = await storesA.eventStore.countEvents!({ filter: { eventTypes: usersProjection.eventTypes } });
    expect(total).toBe(50);
    expect(applied.a + applied.b).toBe(total);
    expect(applied.b).toBeGreaterThan(0);
    expect((await readCheckpoint(storesA.readModels.knex, 'users'))!.events_applied).toBe(total);
  });

  it(
    'kill -9 in the middle of a rebuild leaves the live tables intact, and the next rebuild succeeds',
    { timeout: 90_000 },
    async () => {
      const USERS = 500;
      const { env, open } = await database();
      const stores = await open();
      await seedAccounts(stores.eventStore, USERS, 8, { profileUpdates: 20 });
      const config = cliConfig(env);
      await projectionsRebuild(config, ['users'], {}, captureIo());
      const before = await readCheckpoint(stores.readModels.knex, 'users');
      const rows = async () => Number((await stores.readModels.knex('users').count({ n: '*' }))[0]!.n);
      expect(await rows()).toBe(USERS);

      const child = spawn(process.execPath, cliArgs('projections', 'rebuild', 'users'), {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const exited = new Promise<NodeJS.Signals | null>((resolve) =>
        child.once('exit', (_code, signal) => resolve(signal)),
      );
      let stderr = '';
      await new Promise<void>((resolve, reject) => {
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          if (/rebuild users: \d+\/\d+ events/.test(stderr)) resolve();
        });
        child.once('exit', () => reject(new Error(`the rebuild ended before progress started: ${stderr}`)));
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      expect(await rows()).toBe(USERS);
      expect(await readCheckpoint(stores.readModels.knex, 'users')).toEqual(before);
      expect(await stores.readModels.knex.schema.hasTable('users__rebuild')).toBe(true); // left behind by the kill

      const [result] = await projectionsRebuild(config, ['users'], {}, captureIo());
      expect(result!.applied).toBe(before!.events_applied);
      expect(await rows()).toBe(USERS);
      expect(await stores.readModels.knex.schema.hasTable('users__rebuild')).toBe(false);
    },
  );
});
