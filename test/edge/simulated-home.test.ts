import { afterEach, describe, expect, it } from 'vitest';
import { buildCommand, type DeviceStateInput } from '../../src/bridge/protocol/index.ts';
import {
  SimulatedHome,
  createSimulatedGateway,
  type EdgeCommand,
  type SimulatedGateway,
} from '../../src/edge/index.ts';
import { GATEWAY_ID, SECRET, startCloud } from './edge-client-fixture.ts';
import { nowSeconds } from './fake-cloud.ts';

/** Records reports and lets a test await the next one. */
class RecordingReporter {
  readonly reports: DeviceStateInput[][] = [];
  private waiters: Array<(devices: readonly DeviceStateInput[]) => void> = [];

  reportState(devices: readonly DeviceStateInput[]): Promise<void> {
    this.reports.push([...devices]);
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter(devices);
    return Promise.resolve();
  }

  nextReport(): Promise<readonly DeviceStateInput[]> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function command(deviceId: string, action: string, params: Record<string, unknown> = {}): EdgeCommand {
  return { commandId: `cmd-${deviceId}-${action}`, deviceId, action, params, issuedAt: null };
}

const homes: SimulatedHome[] = [];
function createHome(options: ConstructorParameters<typeof SimulatedHome>[0]): SimulatedHome {
  const home = new SimulatedHome(options);
  homes.push(home);
  return home;
}
afterEach(() => {
  for (const home of homes.splice(0)) home.stop();
});

describe('SimulatedHome', () => {
  it('creates M devices of every kind and describes them in the snapshot', () => {
    const home = createHome({ deviceCount: 7 });
    expect(home.deviceIds()).toEqual(['light-1', 'switch-2', 'sensor-3', 'light-4', 'switch-5', 'sensor-6', 'light-7']);
    const snapshot = home.snapshot();
    expect(snapshot['devices']).toHaveLength(7);
    expect(snapshot['devices']).toContainEqual({
      device_id: 'sensor-3',
      kind: 'sensor',
      name: 'bedroom sensor 3',
      room_id: 'bedroom',
    });
  });

  it('turn_on / turn_off / set change the state and report it', async () => {
    const home = createHome({ deviceCount: 3, now: () => 1735288000_000 });
    const reporter = new RecordingReporter();
    home.attach(reporter);

    expect(await home.handleCommand(command('light-1', 'turn_on'))).toEqual({
      status: 'ok',
      result: { on: true, brightness: 100 },
    });
    expect(await home.handleCommand(command('light-1', 'set', { brightness: 40 }))).toMatchObject({ status: 'ok' });
    expect(await home.handleCommand(command('switch-2', 'turn_on'))).toMatchObject({ status: 'ok' });
    expect(await home.handleCommand(command('switch-2', 'turn_off'))).toMatchObject({ status: 'ok' });

    expect(home.stateOf('light-1')).toEqual({ on: true, brightness: 40 });
    expect(home.stateOf('switch-2')).toEqual({ on: false });
    expect(reporter.reports).toEqual([
      [{ deviceId: 'light-1', state: { on: true, brightness: 100 }, ts: 1735288000 }],
      [{ deviceId: 'light-1', state: { on: true, brightness: 40 }, ts: 1735288000 }],
      [{ deviceId: 'switch-2', state: { on: true }, ts: 1735288000 }],
      [{ deviceId: 'switch-2', state: { on: false }, ts: 1735288000 }],
    ]);
    expect(home.stats).toMatchObject({ commandsSucceeded: 4, commandsFailed: 0 });
  });

  it('refuses what a real device would refuse, without reporting', async () => {
    const home = createHome({ deviceCount: 3 });
    const reporter = new RecordingReporter();
    home.attach(reporter);
    const codeOf = async (cmd: EdgeCommand) => {
      const outcome = await home.handleCommand(cmd);
      return outcome.status === 'error' ? outcome.error.code : 'ok';
    };
    expect(await codeOf(command('nope', 'turn_on'))).toBe('unknown_device');
    expect(await codeOf(command('sensor-3', 'turn_on'))).toBe('read_only_device');
    expect(await codeOf(command('light-1', 'explode'))).toBe('unsupported_action');
    expect(await codeOf(command('light-1', 'set', { brightness: 140 }))).toBe('invalid_params');
    expect(await codeOf(command('switch-2', 'set', { brightness: 10 }))).toBe('invalid_params');
    expect(await codeOf(command('switch-2', 'set', {}))).toBe('invalid_params');
    expect(reporter.reports).toEqual([]);
    expect(home.stats.commandsFailed).toBe(6);
  });

  it('reports sensor readings periodically', async () => {
    const home = createHome({ deviceCount: 6, sensorIntervalMs: 5, random: () => 1 });
    const reporter = new RecordingReporter();
    home.attach(reporter);
    home.startSensorReadings();
    const first = await reporter.nextReport();
    const second = await reporter.nextReport();
    expect(first.map((device) => device.deviceId)).toEqual(['sensor-3', 'sensor-6']);
    expect(first[0]?.state).toEqual({ temperature: 21.2, humidity: 46 });
    expect(second[0]?.state).toEqual({ temperature: 21.4, humidity: 47 });
  });
});

describe('simulated gateway against a cloud', () => {
  let gateway: SimulatedGateway | null = null;
  afterEach(async () => {
    await gateway?.close();
    gateway = null;
  });

  it('syncs its devices, obeys a command, acks it and reports the new state', async () => {
    const cloud = await startCloud();
    gateway = createSimulatedGateway({ url: cloud.url, gatewayId: GATEWAY_ID, secret: SECRET }, { deviceCount: 3 });
    gateway.start();
    const connection = await cloud.nextConnection();
    expect((await connection.nextFrame('sync')).frame.payload['devices']).toHaveLength(3);

    connection.send(
      buildCommand({
        commandId: 'c-1',
        timestamp: nowSeconds(),
        deviceId: 'light-1',
        action: 'set',
        params: { on: true, brightness: 10 },
      }),
    );
    const ack = await connection.nextFrame('ack');
    expect(ack.frame).toMatchObject({
      request_id: 'c-1',
      payload: { status: 'ok', result: { on: true, brightness: 10 } },
    });
    const state = await connection.nextFrame('state');
    expect(state.frame.payload.devices).toEqual([
      { device_id: 'light-1', state: { on: true, brightness: 10 }, ts: expect.any(Number) },
    ]);
  });
});
