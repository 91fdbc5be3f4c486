import { afterEach, describe, expect, it } from 'vitest';
import { DataKeyStore } from '../../src/eventstore/personal-data/data-key-store.ts';
import { databaseTargets, openTestDatabase } from '../support/databases.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

for (const name of databaseTargets()) {
  describe(`DataKeyStore (${name})`, () => {
    it('an erasure noted while a key is being read ends its use: the read that returns later does not revive it', async () => {
      const db = await openTestDatabase(name);
      cleanups.push(() => db.cleanup());
      const secret = 'data-key-secret-for-this-spec-0123456789';
      await new DataKeyStore(db.database.knex, secret).ensureTable();
      const keyId = 'gateway:00000000-0000-4000-8000-000000000001';
      expect(await new DataKeyStore(db.database.knex, secret).keyFor(keyId)).toBeInstanceOf(Buffer);

      // Another process (its cache is cold) reads the key; the erasure is read from the log meanwhile.
      const keys = new DataKeyStore(db.database.knex, secret);
      const reading = keys.keyFor(keyId);
      keys.forgetErased([keyId]);
      await reading;
      expect(await keys.keyFor(keyId)).toBeNull();
      expect((await keys.keysOf(new Set([keyId]))).get(keyId)).toBeNull();
    });
  });
}
