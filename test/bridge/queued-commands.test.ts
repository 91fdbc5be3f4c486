import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { QueuedCommands } from '../../src/bridge/queued-commands.ts';
import type { RecordedEvent } from '../../src/eventstore/port.ts';

let sequence = 0;
const recorded = (type: string, commandId: string, gatewayId: string): RecordedEvent => ({
  id: randomUUID(),
  streamName: `remote_command-${commandId}`,
  revision: 0,
  position: String(++sequence),
  type,
  data: { command_id: commandId, gateway_id: gatewayId },
  metadata: {},
  created: new Date(),
});

/** The relay's view of which commands wait for each gateway, kept from its subscription. */
describe('queued commands', () => {
  it('lists a gateway’s unfinished commands in issue order, a re-dispatched one in its place', () => {
    const queued = new QueuedCommands();
    const [gateway, other] = [randomUUID(), randomUUID()];
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    queued.apply(recorded('RemoteCommandIssued', a, gateway));
    queued.apply(recorded('RemoteCommandIssued', b, gateway));
    queued.apply(recorded('RemoteCommandIssued', c, other));
    queued.apply(recorded('RemoteCommandDispatched', a, gateway));
    expect(queued.of(gateway)).toEqual([a, b]);
    expect(queued.of(other)).toEqual([c]);
    expect(queued.of(randomUUID())).toEqual([]);
  });

  it.each(['RemoteCommandSucceeded', 'RemoteCommandFailed', 'RemoteCommandTimedOut', 'RemoteCommandExpired'])(
    'forgets a command once %s',
    (type) => {
      const queued = new QueuedCommands();
      const gateway = randomUUID();
      const [a, b] = [randomUUID(), randomUUID()];
      queued.load([
        { id: a, gatewayId: gateway },
        { id: b, gatewayId: gateway },
      ]);
      queued.apply(recorded(type, a, gateway));
      expect(queued.of(gateway)).toEqual([b]);
      queued.apply(recorded(type, b, gateway));
      expect(queued.of(gateway)).toEqual([]);
    },
  );

  it('comes out right when the log replays events the start-up snapshot already held', () => {
    const queued = new QueuedCommands();
    const gateway = randomUUID();
    const [finished, waiting] = [randomUUID(), randomUUID()];
    // The snapshot (read model past the subscription's start) already shows `finished` done, `waiting` queued.
    queued.load([{ id: waiting, gatewayId: gateway }]);
    for (const event of [
      recorded('RemoteCommandIssued', finished, gateway),
      recorded('RemoteCommandIssued', waiting, gateway),
      recorded('RemoteCommandDispatched', finished, gateway),
      recorded('RemoteCommandSucceeded', finished, gateway),
    ]) {
      queued.apply(event);
    }
    expect(queued.of(gateway)).toEqual([waiting]);
  });

  it('ignores a late ack and events without ids', () => {
    const queued = new QueuedCommands();
    const gateway = randomUUID();
    queued.apply(recorded('RemoteCommandLateAckRecorded', randomUUID(), gateway));
    queued.apply({ ...recorded('RemoteCommandIssued', randomUUID(), gateway), data: {} });
    expect(queued.of(gateway)).toEqual([]);
  });
});
