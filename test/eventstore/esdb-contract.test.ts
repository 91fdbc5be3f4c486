/**
 * The shared EventStore contract on the EventStoreDB adapter: on the test double always, and on a real
 * EventStoreDB when TEST_EVENTSTORE_URL is set.
 */
import { EsdbEventStore } from '../../src/eventstore/esdb/esdb-event-store.ts';
import { esdbTargets } from '../support/esdb-targets.ts';
import { eventStoreContract } from './contract.ts';

for (const target of esdbTargets()) {
  eventStoreContract(`esdb (${target.name})`, async () => {
    const server = await target.start();
    const store = new EsdbEventStore(server.url);
    return {
      store,
      async cleanup() {
        await store.close();
        await server.stop();
      },
    };
  });
}
