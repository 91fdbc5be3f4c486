import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { encodePosition } from '../../src/eventstore/position.ts';
import { suffixedTables, type Projection, type TableNames } from '../../src/projections/projection.ts';
import { openTestDatabase, type TargetName, type TestDatabase } from './databases.ts';

/** An event as a read-model spec writes it: `at` (its `created`) defaults to one second after the previous one. */
export interface GivenEvent {
  type: string;
  data: Record<string, unknown>;
  at?: string;
}

export const SPEC_START = '2026-01-01T00:00:00.000Z';
/** The `created` time the spec gives the event at `index` (0-based) when it names none. */
export const tick = (index: number) => new Date(Date.parse(SPEC_START) + (index + 1) * 1000);

/**
 * Given events, then rows: for the enclosing describe block, a fresh database; `given(events)` creates the
 * projection's tables under a new suffix, applies the events as the runner does, and reads the rows back. When
 * the projection has a page-at-a-time path (`applyBatch`), the same events go through it too, into tables of
 * their own, and must leave the same rows (what `projections verify` checks in production).
 */
export function useReadModel(projection: Projection, target: TargetName) {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await openTestDatabase(target);
  });
  afterAll(async () => {
    await test?.cleanup();
  });

  async function applied(events: readonly RecordedEvent[], how: 'one by one' | 'as a page'): Promise<TableNames> {
    const knex = test.database.knex;
    const table = suffixedTables(randomUUID().slice(0, 8));
    await projection.createTables(knex, table);
    await knex.transaction(async (trx) => {
      if (how === 'as a page') await projection.applyBatch!(trx, events, table);
      else for (const event of events) await projection.apply(trx, event, table);
    });
    return table;
  }

  return {
    async given(events: readonly GivenEvent[]) {
      const recorded = events.map(recordedEvent);
      const table = await applied(recorded, 'one by one');
      const rows = (logical: string, orderBy: string) =>
        test.database.knex(table(logical)).select('*').orderByRaw(orderBy);
      if (projection.applyBatch) {
        const paged = await applied(recorded, 'as a page');
        for (const logical of projection.tables) {
          const sorted = async (t: TableNames) => sortRows(await test.database.knex(t(logical)).select('*'));
          expect(await sorted(paged), `${logical}: a page leaves what one by one leaves`).toEqual(await sorted(table));
        }
      }
      return { rows };
    },
  };
}

function recordedEvent(event: GivenEvent, index: number): RecordedEvent {
  return {
    id: randomUUID(),
    streamName: `spec-${index}`,
    revision: 0,
    position: encodePosition(1000 + index, index),
    type: event.type,
    data: event.data,
    metadata: {},
    created: event.at ? new Date(event.at) : tick(index),
  };
}

function sortRows(rows: Array<Record<string, unknown>>) {
  return rows.map((row) => JSON.stringify(row)).sort();
}
