import type { Knex } from 'knex';
import type { EventStore, Position, RecordedEvent } from '../eventstore/port.ts';
import { batchLockKey, lockForTransaction } from './advisory-locks.ts';
import { readCheckpoint } from './checkpoints.ts';
import { createLogger } from '../logger.ts';
import { applyPageOrReject, withPoisonFallback, type PoisonHandling } from './poison-events.ts';
import { suffixedTables, type Projection } from './projection.ts';
import { dropTables } from './projection-tables.ts';
import { clearRejections, readRejections, readRejectionSummary, type RejectionSummary } from './rejected-events.ts';

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
  /** Events the live projection rejected (dead letters): a problem to report even when the rows agree. */
  rejected: RejectionSummary;
  /** Positions rejected by the live projection but not by the replay, or the other way round. */
  rejectionMismatches: Array<{ position: Position; rejectedBy: 'live' | 'replay' }>;
}

const MAX_REJECTIONS_COMPARED = 10_000;

/**
 * Replay reproduces: rebuilds a projection into scratch tables up to the live checkpoint and compares them row
 * for row with the live tables (under the batch lock, so the live runner cannot move in between; if it moved
 * before, the scratch tables catch up and the comparison is tried again).
 */
export async function verifyProjection(store: EventStore, knex: Knex, projection: Projection): Promise<VerifyResult> {
  const scratch = suffixedTables(VERIFY_SUFFIX);
  // The replay rejects what the live runner rejected; its dead letters are kept apart and dropped at the end.
  const handling: PoisonHandling = { scope: `${projection.name}__${VERIFY_SUFFIX}`, logger: createLogger('silent') };
  await dropTables(knex, projection, scratch);
  await clearRejections(knex, handling.scope);
  await projection.createTables(knex, scratch);
  try {
    let position: Position | null = null;
    let target = (await readCheckpoint(knex, projection.name))?.position ?? null;
    for (let attempt = 1; ; attempt++) {
      position = await replayUntil(store, knex, projection, position, target, handling);
      const outcome = await knex.transaction(async (trx) => {
        await lockForTransaction(trx, batchLockKey(projection.name));
        const live = (await readCheckpoint(trx, projection.name))?.position ?? null;
        if (live !== target) return { moved: live, differences: null };
        const differences: RowDifference[] = [];
        for (const logical of projection.tables)
          differences.push(...(await compareTables(trx, projection.name, logical, scratch(logical))));
        const rejected = await readRejectionSummary(trx, projection.name);
        const rejectionMismatches = await compareRejections(trx, projection.name, handling.scope, target);
        return { moved: null, differences, rejected, rejectionMismatches };
      });
      if (outcome.differences) {
        const { differences, rejected, rejectionMismatches } = outcome;
        return { projection: projection.name, checkpoint: target, differences, rejected, rejectionMismatches };
      }
      if (attempt >= MAX_ATTEMPTS) throw new Error(`Projection ${projection.name} kept moving; verify it again later`);
      if (outcome.moved !== null && target !== null && outcome.moved < target) {
        // Rebuilt behind our back: start the scratch tables over.
        await dropTables(knex, projection, scratch);
        await projection.createTables(knex, scratch);
        await clearRejections(knex, handling.scope);
        position = null;
      }
      target = outcome.moved;
    }
  } finally {
    // Best effort: the result (or the replay's error) is what the caller needs; scratch tables and dead letters
    // left by a failed clean-up are dropped at the start of the next verification (above).
    await dropTables(knex, projection, scratch).catch(() => {});
    await clearRejections(knex, handling.scope).catch(() => {});
  }
}

/** The live dead letters up to `target` against the replay's: the same events must fail the same way. */
async function compareRejections(
  trx: Knex.Transaction,
  projection: string,
  replayScope: string,
  target: Position | null,
): Promise<VerifyResult['rejectionMismatches']> {
  const live = (await readRejections(trx, projection, MAX_REJECTIONS_COMPARED))
    .map((row) => row.position)
    .filter((at) => target !== null && at <= target);
  const replayed = new Set(
    (await readRejections(trx, replayScope, MAX_REJECTIONS_COMPARED)).map((row) => row.position),
  );
  const liveSet = new Set(live);
  return [
    ...live.filter((at) => !replayed.has(at)).map((position) => ({ position, rejectedBy: 'live' as const })),
    ...[...replayed].filter((at) => !liveSet.has(at)).map((position) => ({ position, rejectedBy: 'replay' as const })),
  ].slice(0, MAX_ROWS_REPORTED);
}

async function replayUntil(
  store: EventStore,
  knex: Knex,
  projection: Projection,
  from: Position | null,
  target: Position | null,
  handling: PoisonHandling,
): Promise<Position | null> {
  let position = from;
  if (target === null) return position;
  for (;;) {
    const page = await store.readAll({
      after: position,
      filter: { eventTypes: projection.eventTypes },
      maxCount: PAGE,
    });
    const upTo: RecordedEvent[] = page.filter((event) => event.position <= target);
    if (upTo.length > 0) {
      const scratch = suffixedTables(VERIFY_SUFFIX);
      await withPoisonFallback(
        (mode) => knex.transaction((trx) => applyPageOrReject(trx, projection, upTo, scratch, mode, handling)),
        handling,
      );
      position = upTo[upTo.length - 1]!.position;
    }
    if (upTo.length < page.length || page.length < PAGE) return position;
  }
}

async function compareTables(
  trx: Knex.Transaction,
  projection: string,
  live: string,
  replayed: string,
): Promise<RowDifference[]> {
  const rowsOnlyIn = async (a: string, b: string) =>
    (
      await trx.raw(
        `select row_to_json(d)::jsonb as row from (select * from ?? except all select * from ??) d limit ?`,
        [a, b, MAX_ROWS_REPORTED],
      )
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
        .map(
          (column) =>
            `${column} is ${JSON.stringify(difference.live![column])} live but ${JSON.stringify(difference.replayed![column])} on replay`,
        )
        .join('; ')}`;
    case 'extra':
      return `${where}: in the live table but not produced by replay: ${JSON.stringify(difference.live)}`;
    case 'missing':
      return `${where}: produced by replay but missing from the live table: ${JSON.stringify(difference.replayed)}`;
  }
}
