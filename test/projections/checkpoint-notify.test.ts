import knexFactory from 'knex';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { encodePosition } from '../../src/eventstore/position.ts';
import { createCheckpointsTable, readCheckpoint, writeCheckpoint } from '../../src/projections/checkpoints.ts';
import { freshPostgresDatabase } from '../support/databases.ts';

const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

onPostgres('writeCheckpoint on a Postgres server', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function setUp() {
    const fresh = await freshPostgresDatabase();
    cleanups.push(fresh.drop);
    const knex = knexFactory({ client: 'pg', connection: fresh.url });
    cleanups.push(() => knex.destroy());
    await createCheckpointsTable(knex);
    const listener = new pg.Client({ connectionString: fresh.url });
    await listener.connect();
    cleanups.push(() => listener.end());
    await listener.query('listen projection_checkpoints');
    const heard: string[] = [];
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    return { knex, listener, heard };
  }

  it('moves the checkpoint and notifies the channel with the projection name, only once the batch commits', async () => {
    const { knex, listener, heard } = await setUp();
    const notified = new Promise<void>((resolve) => listener.once('notification', () => resolve()));
    await knex.transaction(async (trx) => {
      await writeCheckpoint(trx, 'gateways', 1, encodePosition(1, 10), 3, 'projection_checkpoints');
      await writeCheckpoint(trx, 'gateways', 1, encodePosition(1, 12), 2, 'projection_checkpoints');
      // A round trip on the listener's own connection: any notification sent so far would have arrived first.
      await listener.query('select 1');
      expect(heard).toEqual([]);
    });
    await notified;
    expect(heard).toEqual(['gateways']);
    const checkpoint = await readCheckpoint(knex, 'gateways');
    expect(checkpoint).toMatchObject({ events_applied: 5, version: 1 });
    expect(checkpoint?.position).toBe(encodePosition(1, 12));
  });

  it('a batch that rolls back neither moves the checkpoint nor notifies', async () => {
    const { knex, listener, heard } = await setUp();
    await knex
      .transaction(async (trx) => {
        await writeCheckpoint(trx, 'homes', 1, encodePosition(1, 7), 1, 'projection_checkpoints');
        throw new Error('apply failed');
      })
      .catch(() => {});
    await listener.query('select 1');
    expect(heard).toEqual([]);
    expect(await readCheckpoint(knex, 'homes')).toBeNull();
  });
});
