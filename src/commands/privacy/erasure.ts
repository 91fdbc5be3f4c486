import type { DomainEvent } from '../../domain/decider.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';

/**
 * Destroys the data keys the `PersonalDataErased` among `events` names: the event is in the log first (the
 * record of the erasure), then the keys go. A failure here leaves readable data behind the recorded erasure, so it
 * is thrown, never swallowed: the caller answers 500 and the operator sees it.
 */
export async function destroyErasedKeys(keys: DataKeys, events: readonly DomainEvent[]): Promise<void> {
  for (const event of events) {
    if (event.type !== 'PersonalDataErased') continue;
    const keyIds = (event.data as { key_ids: string[] }).key_ids;
    await keys.destroy(keyIds);
  }
}
