import type { Knex } from 'knex';
import type { TableNames } from '../projection.ts';
import type { RecordedEvent } from '../../eventstore/port.ts';
import { ERASED } from '../../eventstore/personal-data/sealed-value.ts';

/**
 * The ids of one kind (`user`, `home`, `gateway`) whose data keys a `PersonalDataErased` destroyed. A read model
 * holding their personal values overwrites them with "[erased]", exactly what a rebuild reads from the log from
 * now on (`projections verify` compares the two).
 */
export function erasedIdsOf(event: RecordedEvent, kind: 'user' | 'home' | 'gateway'): string[] {
  const keyIds = (event.data as { key_ids?: unknown }).key_ids;
  if (!Array.isArray(keyIds)) return [];
  const prefix = `${kind}:`;
  return keyIds
    .filter((id): id is string => typeof id === 'string' && id.startsWith(prefix))
    .map((id) => id.slice(prefix.length));
}

/** `column = '[erased]'` where it held a value (a null stays null: nothing was sealed). */
export function erasedUnlessNull(knex: Knex, column: string): Knex.Raw {
  return knex.raw(`case when ?? is null then null else ? end`, [column, ERASED]);
}

/** A deleted home's gateways: where their sessions came from was personal data (the home's address). */
export async function eraseSessionOrigins(
  trx: Knex.Transaction,
  event: RecordedEvent,
  table: TableNames,
): Promise<void> {
  const ids = erasedIdsOf(event, 'gateway');
  if (ids.length === 0) return;
  await trx(table('bridge_sessions'))
    .whereIn('gateway_id', ids)
    .update({
      remote_address: erasedUnlessNull(trx, 'remote_address'),
      user_agent: erasedUnlessNull(trx, 'user_agent'),
    });
}
