import { createLogger } from '../../src/logger.ts';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import { databaseTargets, openTestDatabase } from '../support/databases.ts';
import { eventStoreContract } from './contract.ts';

for (const name of databaseTargets()) {
  eventStoreContract(name, async () => {
    const db = await openTestDatabase(name);
    const store = await openPostgresEventStore(db.database, createLogger('silent'));
    return {
      store,
      async cleanup() {
        await store.close();
        await db.cleanup();
      },
    };
  });
}
