import type { DomainEvent } from '../../domain/decider.ts';
import { erasedKeyIdsOf } from '../../eventstore/personal-data/erased-key-ids.ts';
import type { DataKeys } from '../../eventstore/personal-data/data-key-store.ts';

/**
 * Destroys the data keys the `PersonalDataErased` among `events` names: the event is in the log first (the
 * record of the erasure), then the keys go. Done here for promptness (the request answers once its own data reads
 * "[erased]"); the guarantee is the `key_shredding` follower (src/projections/key-shredding-projection.ts), which
 * destroys the keys of every erasure in the log, so a crash between the append and this call loses nothing. A
 * failure here is thrown, never swallowed: the caller answers 500 and the operator sees it.
 */
export async function destroyErasedKeys(keys: DataKeys, events: readonly DomainEvent[]): Promise<void> {
  for (const event of events) {
    const keyIds = erasedKeyIdsOf(event);
    if (keyIds.length > 0) await keys.destroy(keyIds);
  }
}
