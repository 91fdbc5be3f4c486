/**
 * A runner whose page is dropped because the checkpoint moved under it (a rebuild swapped fresh tables in) must
 * not claim the events of that page: `waitFor` is what a write's read-your-writes wait trusts, and a horizon moved
 * to the head over a dropped page answered "applied" for a row that was not there (a 404 for what was just written).
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { CHECKPOINTS_TABLE } from '../../src/projections/checkpoints.ts';
import { migrateReadModels } from '../../src/projections/migrations.ts';
import type { Projection, TableNames } from '../../src/projections/projection.ts';
import { ProjectionRunner } from '../../src/projections/projection-runner.ts';
import { databaseTargets } from '../support/databases.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/** One row per `Noted` event: its position. */
const notesProjection = (name: string): Projection => ({
  name,
  version: 1,
  eventTypes: [`Noted_${name}`],
  tables: [name],
  async createTables(knex, table) {
    await knex.schema.createTable(table(name), (t) => t.text('position').primary());
  },
  async apply(trx: Knex.Transaction, event: RecordedEvent, table: TableNames) {
    await trx(table(name)).insert({ position: event.position });
  },
});

describe.each(databaseTargets())('a page dropped because the checkpoint moved (%s)', (target) => {
  const fixture = useEventStore(target);

  it('does not move the horizon over it; the next pass applies from the moved checkpoint', async () => {
    const name = `notes_${randomUUID().slice(0, 8)}`;
    const projection = notesProjection(name);
    const knex = fixture.db.database.knex;
    await migrateReadModels(knex, [projection]);
    const runner = new ProjectionRunner(fixture.store, knex, projection, createLogger('silent'), { batchSize: 50 });
    const note = () => ({ id: randomUUID(), type: `Noted_${name}`, data: {}, metadata: {} });
    const stream = `notes-${randomUUID()}`;
    await runner.start();
    await runner.stop(); // driven by catchUp() from here: no loop racing the checks below
    const first = await fixture.store.appendToStream(stream, [note()], { expectedRevision: 'no_stream' });
    await runner.catchUp();

    // A rebuild from scratch swapped empty tables in: no rows, no checkpoint yet.
    await knex(name).delete();
    await knex(CHECKPOINTS_TABLE).where({ name }).delete();
    const second = await fixture.store.appendToStream(stream, [note()], { expectedRevision: 0 });
    await runner.catchUp(); // reads [second] after its own checkpoint, finds the checkpoint moved, drops the page

    expect(await knex(name).pluck('position')).toEqual([]);
    expect(await runner.waitFor(second.position, 0)).toBe(false);

    await runner.catchUp(); // from the moved (empty) checkpoint: both events
    expect((await knex(name).orderBy('position').pluck('position')).sort()).toEqual(
      [first.position, second.position].sort(),
    );
    expect(await runner.waitFor(second.position, 0)).toBe(true);
  });
});
