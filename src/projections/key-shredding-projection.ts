import type { Knex } from 'knex';
import { erasedKeyIdsOf } from '../eventstore/personal-data/erased-key-ids.ts';
import type { RecordedEvent } from '../eventstore/port.ts';
import { destroyDataKeys, ensureDataKeysTable } from '../eventstore/personal-data/data-key-store.ts';
import type { Projection } from './projection.ts';

/**
 * `key_shredding`: the follower that makes an erasure in the log final. The request that appends
 * `PersonalDataErased` destroys its keys right after (for promptness); a crash in between would leave them
 * forever, so this projection destroys the keys named by every `PersonalDataErased`, with the runner's durable
 * checkpoint (no rescan of the log at start, a server-side type filter on EventStoreDB) and one applier across
 * nodes (the projection's lease).
 *
 * It owns NO table: the key store (`personal_data_keys`) is not a read model, and a blue/green rebuild drops and
 * replaces only a projection's own tables, so a rebuild or `projections verify` never drops or copies the keys.
 * Their replays call `apply` again, which destroys keys the log says are erased — idempotent (the first
 * `destroyed_at` stays) and never wrong, since replays only go as far as the log, where those erasures are. The
 * checkpoint and the destruction commit in one transaction, so nothing is skipped after a crash.
 *
 * Other nodes cache a key up to 30 s (DataKeyStore); a node reading the erasure (this runner, any decider or
 * projection reading through OpeningEventStore) forgets the keys at once.
 */
export const keyShreddingProjection: Projection = {
  name: 'key_shredding',
  version: 1,
  eventTypes: ['PersonalDataErased'],
  tables: [],
  // The writing request destroys the keys itself before it answers: it need not wait for this one.
  settlesWrites: false,

  async createTables(knex: Knex) {
    // The store usually made it already (openStores); a bare read-model database (a CLI rebuild, a spec) may not.
    await ensureDataKeysTable(knex);
  },

  async apply(trx: Knex.Transaction, event: RecordedEvent) {
    await destroyDataKeys(trx, erasedKeyIdsOf(event), event.created);
  },
};
