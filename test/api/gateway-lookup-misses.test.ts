import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import type { Position } from '../../src/eventstore/port.ts';
import { allProjections } from '../../src/projections/all-projections.ts';
import { provisionGateway, registerUser } from '../support/fixtures.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * The server's event store, counting reads of the log's head (what a 404 used to cost each time) — except a
 * projection runner's, which reads it for each page it applies, on its own schedule (on EventStoreDB its live
 * subscription wakes it now and then with nothing written).
 */
class HeadReadCounter extends DelegatingEventStore {
  reads = 0;

  override headPosition(): Promise<Position | null> {
    if (!new Error().stack?.includes('ProjectionRunner.')) this.reads += 1;
    return super.headPosition();
  }
}

/**
 * Issue 16: a gateway lookup that missed read the head of the log and waited for the read models on every 404, so
 * a client probing ids made each 404 cost a store round trip plus a wait. It waits now only for a write this node
 * knows the read models may lack (its own, or one the lag sampler saw them behind); the rule "a write never answers
 * 404 for what it just wrote" is kept by test/integration/projection-stall.test.ts.
 */
describe.each(serverTargets())('gateway lookups that miss (%s)', (target) => {
  let server: TestServer;
  let counter: HeadReadCounter;

  beforeAll(async () => {
    // The lag sampler reads the head on its own schedule: once an hour here, so the count is the lookups' alone.
    server = await startTestServer(
      target,
      {},
      { wrapEventStore: (store) => (counter = new HeadReadCounter(store)), lagSampleIntervalMs: 3_600_000 },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answer 404 to probes of unknown and foreign ids without reading the head of the log', async () => {
    const owner = await registerUser(server, 'owner');
    const prober = await registerUser(server, 'prober');
    const gateway = await provisionGateway(owner);
    // The owner's own write is read back at once (the read models were waited for before the 201).
    expect((await owner.http.get(`/api/gateways/${gateway.gatewayId}/`)).status).toBe(200);
    // Every applier idle (one still applying reads the head per page, which is not the lookups' doing).
    for (const { name } of allProjections) expect(await server.projections.waitForHead(name, 20_000)).toBe(true);

    const before = counter.reads;
    for (const gatewayId of [...Array.from({ length: 20 }, () => randomUUID()), gateway.gatewayId]) {
      const answer = await prober.http.get(`/api/gateways/${gatewayId}/`);
      expect(answer.status, JSON.stringify(answer.body)).toBe(404);
      expect(answer.body.error.code).toBe('gateway_not_found');
      const command = await prober.http.post(`/api/gateways/${gatewayId}/commands/`, {
        device_id: 'switch-1',
        action: 'toggle',
      });
      expect(command.status, JSON.stringify(command.body)).toBe(404);
    }
    expect(counter.reads - before, 'head reads while answering 42 misses').toBe(0);
  });
});
