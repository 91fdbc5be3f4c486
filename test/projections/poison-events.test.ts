/**
 * Issue 18 item 2: one event that a projection cannot apply stopped it for everyone (every retry failed, even after
 * a restart; rebuild failed; verify said OK). Now the projection records it as a dead letter and goes on.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import type { EventToAppend, RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { readCheckpoint } from '../../src/projections/checkpoints.ts';
import { migrateReadModels } from '../../src/projections/migrations.ts';
import type { Projection, TableNames } from '../../src/projections/projection.ts';
import { ProjectionRunner } from '../../src/projections/projection-runner.ts';
import { verifyProjection } from '../../src/projections/projection-verify.ts';
import { rebuildProjection } from '../../src/projections/rebuild.ts';
import { readRejections, REJECTED_EVENTS_TABLE } from '../../src/projections/rejected-events.ts';
import { databaseTargets } from '../support/databases.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

interface Ledger {
  /** How often each event id met a failure it was told to simulate. */
  failures: Map<string, number>;
}

/**
 * A ledger (table named after the projection): one row per entry, amounts never negative (a check constraint). Handler bugs are simulated by the
 * data: `kind: 'unknown'` makes the handler throw, `amount < 0` violates the constraint (a database error caused
 * by this event), `transient: n` fails the first n tries with a serialization failure (SQLSTATE 40001), which is
 * the database's doing and must never make a dead letter.
 */
function ledgerProjection(name: string, ledger: Ledger): Projection {
  const apply = async (trx: Knex.Transaction, event: RecordedEvent, table: TableNames) => {
    const data = event.data as { kind?: string; amount: number; transient?: number };
    const failed = ledger.failures.get(event.id) ?? 0;
    if (data.transient !== undefined && failed < data.transient) {
      ledger.failures.set(event.id, failed + 1);
      throw Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' });
    }
    if (data.kind === 'unknown') throw new TypeError(`no handler for entry kind ${data.kind}`);
    await trx(table(name)).insert({ position: event.position, amount: data.amount });
  };
  return {
    name,
    version: 1,
    eventTypes: [`EntryBooked_${name}`],
    tables: [name],
    async createTables(knex, table) {
      await knex.schema.createTable(table(name), (t) => {
        t.text('position').primary();
        t.integer('amount').notNullable();
        t.check('?? >= 0', ['amount']);
      });
    },
    apply,
    // A batch path that fails as a whole, like audit_index's: the runner must fall back to one event at a time.
    async applyBatch(trx, events, table) {
      for (const event of events) await apply(trx, event, table);
    },
  };
}

/** Each test has a projection of its own, following an event type of its own (the log is shared). */
const entryFor =
  (name: string) =>
  (data: Record<string, unknown>): EventToAppend => ({
    id: randomUUID(),
    type: `EntryBooked_${name}`,
    data,
    metadata: {},
  });

describe.each(databaseTargets())('poison events (%s)', (target) => {
  const fixture = useEventStore(target);

  /** A runner that is not started: tests drive it with `catchUp()` (or start its loop themselves). */
  async function setUp(name: string) {
    const ledger: Ledger = { failures: new Map() };
    const projection = ledgerProjection(name, ledger);
    const knex = fixture.db.database.knex;
    await migrateReadModels(knex, [projection]);
    const runner = new ProjectionRunner(fixture.store, knex, projection, createLogger('silent'), { batchSize: 50 });
    return { ledger, projection, knex, runner, stream: `ledger-${randomUUID()}`, entry: entryFor(name) };
  }

  it('an event the projection cannot apply no longer stops it: it is a dead letter and the later events project', async () => {
    const { knex, runner, projection, stream, entry } = await setUp('ledger_a');
    const appended = await fixture.store.appendToStream(
      stream,
      [
        entry({ amount: 1 }),
        entry({ kind: 'unknown', amount: 2 }),
        entry({ amount: 3 }),
        entry({ amount: -4 }),
        entry({ amount: 5 }),
      ],
      { expectedRevision: 'no_stream' },
    );
    await runner.start();
    try {
      expect(await runner.waitFor(appended.position, 10_000)).toBe(true);
      expect(runner.status()).toMatchObject({ state: 'live', lastError: null, rejected: { count: 2 } });
    } finally {
      await runner.stop();
    }
    const events = await fixture.store.readStream(stream);
    expect((await knex(projection.name).orderBy('position').pluck('amount')).map(Number)).toEqual([1, 3, 5]);

    const rejected = await readRejections(knex, projection.name);
    expect(rejected.map((row) => [row.position, row.revision, row.event_type, row.stream])).toEqual([
      [events[1]!.position, 1, 'EntryBooked_ledger_a', stream],
      [events[3]!.position, 3, 'EntryBooked_ledger_a', stream],
    ]);
    expect(rejected[0]!.error).toBe('TypeError: no handler for entry kind unknown');
    // A database error caused by the event: its SQLSTATE and message, not the SQL text and bindings knex adds.
    expect(rejected[1]!.error).toMatch(/^error 23514: .*check constraint/);
    expect(rejected[1]!.error).not.toContain('insert into');

    // The checkpoint moved past the dead letters, in the same transaction; the runner says what it rejected.
    expect((await readCheckpoint(knex, projection.name))!).toMatchObject({
      position: appended.position,
      events_applied: 3,
    });
    expect(runner.status().rejected).toMatchObject({
      count: 2,
      latest: { position: events[3]!.position, eventType: 'EntryBooked_ledger_a' },
    });

    // After a restart, the runner knows its dead letters and does not apply them again.
    const restarted = new ProjectionRunner(fixture.store, knex, projection, createLogger('silent'));
    await restarted.start();
    expect(restarted.status().rejected.count).toBe(2);
    await restarted.stop();
  });

  it('a transient database error (serialization failure) is retried, never recorded as a dead letter', async () => {
    const { knex, runner, projection, stream, ledger, entry } = await setUp('ledger_b');
    await fixture.store.appendToStream(stream, [entry({ amount: 1 }), entry({ amount: 2, transient: 2 })], {
      expectedRevision: 'no_stream',
    });
    // Each failing try aborts the page: the runner's loop retries it with backoff, as before.
    await expect(runner.catchUp()).rejects.toMatchObject({ code: '40001' });
    await expect(runner.catchUp()).rejects.toMatchObject({ code: '40001' });
    expect(await knex(projection.name).pluck('amount')).toEqual([]);
    await runner.catchUp();
    expect((await knex(projection.name).orderBy('position').pluck('amount')).map(Number)).toEqual([1, 2]);
    expect(await readRejections(knex, projection.name)).toEqual([]);
    expect([...ledger.failures.values()]).toEqual([2]);
  });

  it('rebuild completes past a poison event and swaps its dead letters in with its tables; verify reports them', async () => {
    const { knex, runner, projection, stream, entry } = await setUp('ledger_c');
    await fixture.store.appendToStream(
      stream,
      [entry({ amount: 1 }), entry({ kind: 'unknown', amount: 2 }), entry({ amount: 3 })],
      {
        expectedRevision: 'no_stream',
      },
    );
    await runner.catchUp();
    const live = await readRejections(knex, projection.name);
    expect(live).toHaveLength(1);

    const verified = await verifyProjection(fixture.store, knex, projection);
    expect(verified.differences).toEqual([]);
    expect(verified.rejectionMismatches).toEqual([]);
    expect(verified.rejected).toMatchObject({
      count: 1,
      latest: { position: live[0]!.position, error: 'TypeError: no handler for entry kind unknown' },
    });

    const rebuilt = await rebuildProjection(fixture.store, knex, projection, { batchSize: 2 });
    expect(rebuilt).toMatchObject({ applied: 2, rejected: 1 });
    expect((await knex(projection.name).orderBy('position').pluck('amount')).map(Number)).toEqual([1, 3]);
    expect((await readRejections(knex, projection.name)).map((row) => row.position)).toEqual([live[0]!.position]);
    // Neither the rebuild's nor the verify's own scope is left behind.
    expect(
      await knex(REJECTED_EVENTS_TABLE).where('projection', 'like', `${projection.name}\\_\\_%`).select('projection'),
    ).toEqual([]);
  });
});
