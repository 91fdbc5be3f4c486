import type { Logger } from '../../logger.ts';
import { follow, type Following } from '../follow.ts';
import type { EventStore, Position } from '../port.ts';
import type { DataKeys } from './data-key-store.ts';
import { erasedKeyIdsOf } from './erased-key-ids.ts';

/**
 * Ends this process's use of erased data keys as soon as the erasure is in the log, whichever node appended it.
 * Without it, a node that does not read erasures itself (one that holds no projection lease, an API-only node)
 * kept opening an erased person's values from its key cache until the entry expired (30 s). The subscription asks
 * for one rare event type, so on a quiet log it costs nothing but its share of the store's wake-ups.
 */
export function watchErasures(
  store: EventStore,
  keys: Pick<DataKeys, 'forgetErased'>,
  from: Position | null,
  logger: Logger,
): Following {
  return follow(
    store,
    { eventTypes: ['PersonalDataErased'] },
    from,
    (event) => {
      const keyIds = erasedKeyIdsOf(event);
      if (keyIds.length > 0) keys.forgetErased(keyIds);
    },
    { name: 'erasure-watch', logger },
  );
}
