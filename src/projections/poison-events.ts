import type { Knex } from 'knex';
import type { RecordedEvent } from '../eventstore/port.ts';
import type { Logger } from '../logger.ts';
import { describeApplyFailure, isEnvironmentFailure } from './apply-failure.ts';
import { applyEvents, type Projection, type TableNames } from './projection.ts';
import { recordRejections, rejectionOf, type Rejection } from './rejected-events.ts';

/**
 * A poison event never stops a projection. A page is applied whole (`applyBatch`: few statements) first; when
 * that fails because of an event rather than the database, the page's transaction is rolled back and run again
 * event by event, each event in its own savepoint, tried a few times. An event that keeps failing is recorded as
 * a dead letter (`projection_rejected_events`, same transaction as the checkpoint that moves past it) and the
 * rest of the page is applied. A failure of the database or the connection is never blamed on an event: it
 * aborts the transaction and the caller retries the page later, as before.
 */
export type ApplyMode = 'whole_page' | 'event_by_event';

/** Tries per event in `event_by_event` mode before it is rejected (the first failing page was one more). */
export const ATTEMPTS_PER_EVENT = 3;

/** Applying the page (not locking, reading the checkpoint…) failed in `whole_page` mode. */
export class PageApplyError extends Error {
  override readonly name = 'PageApplyError';
  constructor(readonly failure: unknown) {
    super(failure instanceof Error ? failure.message : String(failure));
  }
}

export interface PoisonHandling {
  /** Where rejections are recorded: the projection's name, or its rebuild/verify scope. */
  scope: string;
  logger: Logger;
}

/** Applies `page` inside `trx` in the given mode; returns the events rejected (always none for `whole_page`). */
export async function applyPageOrReject(
  trx: Knex.Transaction,
  projection: Projection,
  page: readonly RecordedEvent[],
  table: TableNames,
  mode: ApplyMode,
  handling: PoisonHandling,
): Promise<Rejection[]> {
  if (mode === 'whole_page') {
    try {
      await applyEvents(trx, projection, page, table);
    } catch (error) {
      throw new PageApplyError(error);
    }
    return [];
  }
  const rejected: Rejection[] = [];
  for (const event of page) {
    const failure = await applyAloneWithRetries(trx, projection, event, table);
    if (failure === null) continue;
    const rejection = rejectionOf(event, describeApplyFailure(failure), ATTEMPTS_PER_EVENT);
    // No event data here: where the event is, its type, and why.
    handling.logger.error(
      { projection: handling.scope, position: event.position, type: event.type, error: rejection.error },
      'projection rejected an event it cannot apply (dead letter); continuing after it',
    );
    rejected.push(rejection);
  }
  await recordRejections(trx, handling.scope, rejected);
  return rejected;
}

/** null when the event applied; the last failure when every attempt failed because of the event. */
async function applyAloneWithRetries(
  trx: Knex.Transaction,
  projection: Projection,
  event: RecordedEvent,
  table: TableNames,
): Promise<unknown> {
  let failure: unknown = null;
  for (let attempt = 1; attempt <= ATTEMPTS_PER_EVENT; attempt++) {
    try {
      // A savepoint: a failed statement leaves the page's transaction usable, and this event's partial rows go.
      await trx.transaction((savepoint) => projection.apply(savepoint, event, table));
      return null;
    } catch (error) {
      if (isEnvironmentFailure(error)) throw error;
      failure = error;
    }
  }
  return failure;
}

/**
 * Runs `commit` (one transaction applying a page with `applyPageOrReject`) for the whole page; when applying failed
 * because of an event, runs it again event by event. Other failures are thrown as they are.
 */
export async function withPoisonFallback<T>(
  commit: (mode: ApplyMode) => Promise<T>,
  handling: PoisonHandling,
): Promise<T> {
  try {
    return await commit('whole_page');
  } catch (error) {
    if (!(error instanceof PageApplyError)) throw error;
    if (isEnvironmentFailure(error.failure)) throw error.failure;
    handling.logger.warn(
      { projection: handling.scope, error: describeApplyFailure(error.failure) },
      'applying a page failed; applying its events one by one',
    );
    return commit('event_by_event');
  }
}
