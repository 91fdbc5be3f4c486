import type { Knex } from 'knex';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { batchLockKey, lockForTransaction } from './advisory-locks.ts';
import { readCheckpoint } from './checkpoints.ts';
import { applyEvents, suffixedTables, type Projection } from './projection.ts';
import { dropTables } from './projection-tables.ts';

export const VERIFY_SUFFIX = 'verify';
const PAGE = 5000;
const MAX_ROWS_REPORTED = 20;
const MAX_ATTEMPTS = 5;

export interface RowDifference {
  projection: string;
  table: string;
  /** `changed`: same first column (the key), other values differ; `missing`: replay has it, live lacks it; `extra`. */
  kind: 'changed' | 'missing' | 'extra';
  key: string;
  live: Record<string, unknown> | null;
  replayed: Record<string, unknown> | null;
  /** For `changed`: the columns that differ. */
  columns: string[];
}

export interface VerifyResult {
  projection: string;
  checkpoint: Position | null;
  differences: RowDifference[];
}

/**
 * Replay reproduces: rebuilds a projection into scratch tables up to the live checkpoint and compares them row
 * for row with the live tables (under the batch lock, so the live runner cannot move in between; if it moved
 * before, the scratch tables catch up and the comparison is tried again).
 */
export async function verifyProjection(store: EventStore, knex: Knex, projection: Projection): Promise<VerifyResult> {
  const scratch = suffixedTables(VERIFY_SUFFIX);
  await dropTables(knex, projection, scratch);
  await projection.createTables(knex, scratch);
  try {
    let position: Position | null = null;
    let target = (await readCheckpoint(knex, projection.name))?.position ?? null;
    for (let attempt = 1; ; attempt++) {
      position = await replayUntil(store, knex, projection, position, target);
      const outcome = await knex.transaction(async (trx) => {
        await lockForTransaction(trx, batchLockKey(projection.name));
        const live = (await readCheckpoint(trx, projection.name))?.position ?? null;
        if (live !== target) return { moved: live, differences: null };
        const differences: RowDifference[] = [];
        for (const logical of projection.tables) differences.push(...(await compareTables(trx, projection.name, logical, scratch(logical))));
        return { moved: null, differences };
      });
      if (outcome.differences) return { projection: projection.name, checkpoint: target, differences: outcome.differences };
      if (attempt >= MAX_ATTEMPTS) throw new Error(`Projection ${projection.name} kept moving; verify it again later`);
      if (outcome.moved !== null && target !== null && outcome.moved < target) {
        // Rebuilt behind our back: start the scratch tables over.
        await dropTables(knex, projection, scratch);
        await projection.createTables(knex, scratch);
        position = null;
      }
      target = outcome.moved;
    }
  } finally {
    await dropTables(knex, projection, scratch).catch(() => {});
  }
}

async function replayUntil(
  store: EventStore,
  knex: Knex,
  projection: Projection,
  from: Position | null,
  target: Position | null,
): Promise<Position | null> {
  let position = from;
  if (target === null) return position;
  for (;;) {
    const page = await store.readAll({ after: position, filter: { eventTypes: projection.eventTypes }, maxCount: PAGE });
    const upTo: RecordedEvent[] = page.filter((event) => event.position <= target);
    if (upTo.length > 0) {
      await knex.transaction((trx) => applyEvents(trx, projection, upTo, suffixedTables(VERIFY_SUFFIX)));
      position = upTo[upTo.length - 1]!.position;
    }
    if (upTo.length < page.length || page.length < PAGE) return position;
  }
}

async function compareTables(trx: Knex.Transaction, projection: string, live: string, replayed: string): Promise<RowDifference[]> {
  const rowsOnlyIn = async (a: string, b: string) =>
    (
      await trx.raw(`select row_to_json(d)::jsonb as row from (select * from ?? except all select * from ??) d limit ?`, [
        a,
        b,
        MAX_ROWS_REPORTED,
      ])
    ).rows.map((r: { row: Record<string, unknown> }) => r.row) as Record<string, unknown>[];
  const onlyLive = await rowsOnlyIn(live, replayed);
  const onlyReplayed = await rowsOnlyIn(replayed, live);
  const keyOf = (row: Record<string, unknown>) => String(Object.values(row)[0]);
  const replayedByKey = new Map(onlyReplayed.map((row) => [keyOf(row), row]));
  const differences: RowDifference[] = [];
  for (const row of onlyLive) {
    const key = keyOf(row);
    const twin = replayedByKey.get(key);
    if (twin) {
      replayedByKey.delete(key);
      const columns = Object.keys(row).filter((column) => JSON.stringify(row[column]) !== JSON.stringify(twin[column]));
      differences.push({ projection, table: live, kind: 'changed', key, live: row, replayed: twin, columns });
    } else {
      differences.push({ projection, table: live, kind: 'extra', key, live: row, replayed: null, columns: [] });
    }
  }
  for (const [key, row] of replayedByKey) {
    differences.push({ projection, table: live, kind: 'missing', key, live: null, replayed: row, columns: [] });
  }
  return differences;
}

export function describeDifference(difference: RowDifference): string {
  const where = `${difference.table} row ${difference.key}`;
  switch (difference.kind) {
    case 'changed':
      return `${where}: ${difference.columns
        .map((column) => `${column} is ${JSON.stringify(difference.live![column])} live but ${JSON.stringify(difference.replayed![column])} on replay`)
        .join('; ')}`;
    case 'extra':
      return `${where}: in the live table but not produced by replay: ${JSON.stringify(difference.live)}`;
    case 'missing':
      return `${where}: produced by replay but missing from the live table: ${JSON.stringify(difference.replayed)}`;
  }
}
