import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { operatorContext } from '../../src/cli/admin-command.ts';
import { EventSourcedCommandHandler } from '../../src/commands/event-sourced-command-handler.ts';
import { userStream } from '../../src/domain/accounts/email.ts';
import { userDecider } from '../../src/domain/accounts/user.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { DATA_KEYS_TABLE } from '../../src/eventstore/personal-data/data-key-store.ts';
import { allProjections } from '../../src/projections/all-projections.ts';
import { keyShreddingProjection } from '../../src/projections/key-shredding-projection.ts';
import { verifyProjection } from '../../src/projections/projection-verify.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { READ_MODEL_LAG, registerUser } from '../support/fixtures.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The key_shredding follower: an erasure in the log whose request died before destroying the keys (here: the
 * account's `DeleteAccount` decided and appended straight through the command handler, as the request does before
 * it destroys) is carried out by the follower; rebuilding or verifying it (or any projection) never drops, copies
 * or brings back a key.
 */
describe('key_shredding follower (pglite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer('pglite');
  });
  afterAll(async () => {
    await server?.stop();
  });

  const keyRows = () =>
    server.stores.readModels
      .knex(DATA_KEYS_TABLE)
      .select('key_id', 'wrapped', 'destroyed_at')
      .orderBy('key_id') as Promise<Array<{ key_id: string; wrapped: string | null; destroyed_at: Date | null }>>;

  it('destroys the keys of an erasure the request never got to, and rebuild/verify leave the key store alone', async () => {
    const kept = await registerUser(server, 'kept');
    const leaver = await registerUser(server, 'leaver');
    const handler = new EventSourcedCommandHandler(server.stores.eventStore, eventCatalogue);
    await handler.execute(userDecider, userStream(leaver.id), { type: 'DeleteAccount' }, operatorContext());

    await vi.waitFor(async () => {
      const rows = await keyRows();
      expect(rows.find((row) => row.key_id === `user:${leaver.id}`)).toMatchObject({ wrapped: null });
    }, READ_MODEL_LAG);
    const [opened] = await server.stores.eventStore.readStream(userStream(leaver.id), { maxCount: 1 });
    expect(opened!.data).toMatchObject({ email: '[erased]', name: '[erased]' });
    expect((await keyRows()).find((row) => row.key_id === `user:${kept.id}`)?.wrapped).toEqual(expect.any(String));

    const before = await keyRows();
    const { knex } = server.stores.readModels;
    const rebuilt = await rebuildProjection(server.stores.eventStore, knex, keyShreddingProjection);
    expect(rebuilt.rejected).toBe(0);
    // The live tables are compared with a replay: wait until every live projection has applied the erasure too
    // (the wait above is the key-shredding follower's only).
    await vi.waitFor(async () => {
      for (const projection of allProjections) {
        const verified = await verifyProjection(server.stores.eventStore, knex, projection);
        expect(verified.differences, projection.name).toEqual([]);
      }
    }, READ_MODEL_LAG);
    expect(await keyRows(), 'the first destruction time stays; no key dropped or revived').toEqual(before);
  });
});
