import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TelemetryRecorder } from '../../src/commands/bridge/telemetry-recorder.ts';
import { ChainedAppends } from '../../src/commands/chained-appends.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { telemetryStream } from '../../src/domain/bridge/telemetry-events.ts';
import { verifyStreamChain } from '../../src/eventstore/hash-chain.ts';
import { deviceStateReport } from '../support/device-state-report.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

/**
 * The recorder links each batch to the stream tip it remembers from its own last append. When someone else
 * wrote to the stream meanwhile (another node, the restart clean-up), the append must fail on the revision and
 * be re-linked after a read — the stream stays one unbroken chain with every event once.
 */
describe('telemetry recorder stream tips (pglite)', () => {
  const fixture = useEventStore('pglite');

  it('recovers from a write it did not make and keeps the chain unbroken', async () => {
    const appends = new ChainedAppends(fixture.store, eventCatalogue);
    const recorder = new TelemetryRecorder(appends);
    const otherNode = new TelemetryRecorder(appends);
    const gatewayId = randomUUID();
    const homeId = randomUUID();
    const report = (value: number) => deviceStateReport(gatewayId, homeId, value);
    await recorder.record(report(1), systemContext('test', { nodeId: 'test' }));
    await recorder.record(report(2), systemContext('test', { nodeId: 'test' }));
    await otherNode.record(report(3), systemContext('test', { nodeId: 'test' })); // the first recorder's tip is now stale
    await Promise.all([
      recorder.record(report(4), systemContext('test', { nodeId: 'test' })),
      recorder.record(report(5), systemContext('test', { nodeId: 'test' })),
    ]);

    const events = await fixture.store.readStream(telemetryStream(gatewayId));
    expect(events.map((event) => event.data.request_id)).toEqual(['1', '2', '3', '4', '5']);
    expect(events.map((event) => event.revision)).toEqual([0, 1, 2, 3, 4]);
    expect(verifyStreamChain(events)).toBeNull();
  });
});
