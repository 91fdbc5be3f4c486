import type { Knex } from 'knex';
import type { EventStore, Position } from '../eventstore/port.ts';
import { batchLockKey, lockForTransaction } from './advisory-locks.ts';
import { replaceCheckpoint } from './checkpoints.ts';
import type { Logger } from '../logger.ts';
import { createLogger } from '../logger.ts';
import { applyPageOrReject, withPoisonFallback } from './poison-events.ts';
import { suffixedTables, type Projection } from './projection.ts';
import { dropTables, swapTables } from './projection-tables.ts';
import { clearRejections, swapRejections } from './rejected-events.ts';

export const REBUILD_SUFFIX = 'rebuild';
const DEFAULT_REBUILD_PAGE = 5000;

export interface RebuildProgress {
  projection: string;
  done: number;
  /** Events to apply, when the store can count them (null otherwise). */
  total: number | null;
}

export interface RebuildOptions {
  batchSize?: number | undefined;
  onProgress?(progress: RebuildProgress): void;
  /** Checked between pages: an aborted rebuild drops its fresh tables and leaves the live ones as they were. */
  signal?: AbortSignal | undefined;
  /** Where rejected (poison) events are reported, one line each; silent by default. */
  logger?: Logger;
}

export interface RebuildResult {
  projection: string;
  applied: number;
  position: Position | null;
  /** Events the rebuilt projection could not apply (dead letters swapped in with its tables). */
  rejected: number;
  seconds: number;
}

export class RebuildAbortedError extends Error {
  override readonly name = 'RebuildAbortedError';
}

/**
 * Blue/green rebuild: replays the log from the start into fresh tables (`users__rebuild`) while the live tables
 * keep serving readers (and the live runner keeps applying to them), catches up to the head, then swaps the fresh
 * tables in and sets the checkpoint to the rebuilt position in ONE transaction holding the projection's batch lock
 * — the live runner's next batch sees the moved checkpoint and continues from there (ARCHITECTURE.md). Leftover
 * fresh tables of an interrupted rebuild are dropped first, so a rebuild can always be started again.
 */
export async function rebuildProjection(
  store: EventStore,
  knex: Knex,
  projection: Projection,
  options: RebuildOptions = {},
): Promise<RebuildResult> {
  const started = Date.now();
  const batchSize = options.batchSize ?? DEFAULT_REBUILD_PAGE;
  const fresh = suffixedTables(REBUILD_SUFFIX);
  const filter = { eventTypes: projection.eventTypes };
  // The rebuild's dead letters, kept apart from the live ones until the swap.
  const handling = { scope: `${projection.name}__${REBUILD_SUFFIX}`, logger: options.logger ?? createLogger('silent') };
  await dropTables(knex, projection, fresh);
  await clearRejections(knex, handling.scope);
  await projection.createTables(knex, fresh);
  try {
    const total = store.countEvents ? await store.countEvents({ filter }) : null;
    let position: Position | null = null;
    let done = 0;
    let rejected = 0;
    options.onProgress?.({ projection: projection.name, done, total });
    for (;;) {
      if (options.signal?.aborted) throw new RebuildAbortedError(`Rebuild of ${projection.name} interrupted`);
      const page = await store.readAll({ after: position, filter, maxCount: batchSize });
      if (page.length > 0) {
        const rejections = await withPoisonFallback(
          (mode) => knex.transaction((trx) => applyPageOrReject(trx, projection, page, fresh, mode, handling)),
          handling,
        );
        rejected += rejections.length;
        position = page[page.length - 1]!.position;
        done += page.length;
        options.onProgress?.({
          projection: projection.name,
          done,
          total: total === null ? null : Math.max(total, done),
        });
      }
      if (page.length < batchSize) break;
    }
    if (options.signal?.aborted) throw new RebuildAbortedError(`Rebuild of ${projection.name} interrupted`);
    await knex.transaction(async (trx) => {
      await lockForTransaction(trx, batchLockKey(projection.name));
      await swapTables(trx, projection, fresh);
      await swapRejections(trx, projection.name, handling.scope);
      await replaceCheckpoint(trx, projection.name, projection.version, position, done - rejected);
    });
    return {
      projection: projection.name,
      applied: done - rejected,
      position,
      rejected,
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    // Best effort: the rebuild's own error is the one to report; fresh tables and dead letters left by a failed
    // clean-up are dropped at the start of the next rebuild (above), and the live tables were never touched.
    await dropTables(knex, projection, fresh).catch(() => {});
    await clearRejections(knex, handling.scope).catch(() => {});
    throw error;
  }
}
