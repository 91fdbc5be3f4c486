import { describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openStores } from '../../src/stores.ts';
import { freshPostgresDatabase } from '../support/databases.ts';

/** The pool Knex built for this instance (tarn), which decides how many connections it may open. */
const poolMaxOf = (knex: Knex) => (knex.client as { pool: { max: number } }).pool.max;

describe.runIf(process.env.TEST_DATABASE_URL)('DATABASE_POOL_MAX', () => {
  it('sizes the PostgreSQL pools of the event store and the read models (default 20)', async () => {
    const events = await freshPostgresDatabase();
    const readModels = await freshPostgresDatabase();
    const logger = createLogger('silent');
    try {
      for (const [env, expected] of [
        [{}, 20],
        [{ DATABASE_POOL_MAX: '3' }, 3],
      ] as const) {
        const config = loadConfig({ EVENT_STORE_URL: events.url, DATABASE_URL: readModels.url, ...env });
        const stores = await openStores(config, logger, 'test');
        try {
          // The PostgreSQL event store (as stored: the opening store wraps it) keeps its Knex private; the pool is
          // what this test is about.
          const eventKnex = (stores.sealedEventStore as unknown as { knex: Knex }).knex;
          expect(stores.eventStore.kind).toBe('postgres');
          expect(poolMaxOf(stores.readModels.knex)).toBe(expected);
          expect(poolMaxOf(eventKnex)).toBe(expected);
        } finally {
          await stores.close();
        }
      }
    } finally {
      await events.drop();
      await readModels.drop();
    }
  });
});
