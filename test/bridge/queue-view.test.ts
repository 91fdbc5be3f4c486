import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { QueueView } from '../../src/bridge/queue-view.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';

let sequence = 0;
const recorded = (type: string, commandId: string, gatewayId: string): RecordedEvent => ({
  id: randomUUID(),
  streamName: `remote_command-${commandId}`,
  revision: 0,
  position: String(++sequence).padStart(10, '0'),
  type,
  data: { command_id: commandId, gateway_id: gatewayId },
  metadata: {},
  created: new Date(),
});

/**
 * The relay's start-up snapshot of the queues used to stay missing for the life of the process when the read model
 * had not caught up within 5 s: every connect then asked the read model. It is now retried in the background.
 */
describe('the relay’s queue view', () => {
  it('is built by a later attempt when the first one times out, with what the subscription brought meanwhile', async () => {
    const gateway = randomUUID();
    const [waiting, issuedDuring, finishedDuring] = [randomUUID(), randomUUID(), randomUUID()];
    let attempts = 0;
    const view: QueueView = new QueueView({
      readModelCaughtUp: async () => {
        attempts += 1;
        if (attempts === 1) return false; // the read model did not catch up in time at start
        // While the second attempt waits for the read model, the subscription delivers newer events.
        view.apply(recorded('RemoteCommandIssued', issuedDuring, gateway));
        view.apply(recorded('RemoteCommandSucceeded', finishedDuring, gateway));
        return true;
      },
      // The read model as the second attempt reads it: older than what the subscription delivered meanwhile.
      unfinished: async () => [
        { id: waiting, gatewayId: gateway },
        { id: finishedDuring, gatewayId: gateway },
      ],
      logger: createLogger('silent'),
      firstRetryMs: 5,
    });

    await view.build();
    expect(view.of(gateway), 'not known after the first attempt: connects ask the read model').toBeNull();
    // Delivered while no attempt is under way: the next snapshot is taken after it.
    view.apply(recorded('RemoteCommandIssued', waiting, gateway));

    await vi.waitFor(() => expect(view.of(gateway)).toEqual([waiting, issuedDuring]));
    expect(attempts).toBe(2);
    // From then on the subscription keeps it.
    view.apply(recorded('RemoteCommandSucceeded', waiting, gateway));
    expect(view.of(gateway)).toEqual([issuedDuring]);
    expect(view.of(randomUUID())).toEqual([]);
  });

  it('tries again after snapshots that could not be read', async () => {
    const gateway = randomUUID();
    const command = randomUUID();
    let reads = 0;
    const view = new QueueView({
      readModelCaughtUp: async () => true,
      unfinished: async () => {
        reads += 1;
        if (reads < 3) throw new Error('connection terminated');
        return [{ id: command, gatewayId: gateway }];
      },
      logger: createLogger('silent'),
      firstRetryMs: 5,
    });
    await view.build();
    await vi.waitFor(() => expect(view.of(gateway)).toEqual([command]));
    expect(reads).toBe(3);
  });
});
