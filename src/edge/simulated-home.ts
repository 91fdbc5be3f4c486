import type { DeviceStateInput, JsonObject } from '../bridge/protocol/index.ts';
import type { CommandOutcome, EdgeCommand } from './edge-client-options.ts';
import {
  SIMULATED_ROOMS,
  applyCommand,
  createSimulatedDevices,
  nextSensorReading,
  type SimulatedDevice,
} from './simulated-devices.ts';

/** Where the home sends its state reports; an EdgeClient is one. */
export interface StateReporter {
  reportState(devices: readonly DeviceStateInput[]): Promise<void>;
}

export interface SimulatedHomeOptions {
  /** How many devices (lights, switches and sensors in turn). */
  deviceCount: number;
  /** Report all sensors every this many ms; 0 or absent: no periodic readings. */
  sensorIntervalMs?: number;
  /** Pretend devices take this long to obey (benchmarks of command round trips). Default 0. */
  commandLatencyMs?: number;
  random?: () => number;
  /** Wall clock in ms, for the `ts` of reports. */
  now?: () => number;
}

export interface SimulatedHomeStats {
  commandsSucceeded: number;
  commandsFailed: number;
  reportsAcked: number;
  reportsFailed: number;
}

/**
 * A pretend home behind an edge gateway, for `smarthome-cloud simulate`, benchmarks and tests. Plug
 * `handleCommand` and `snapshot` into an EdgeClient, then `attach(client)` so state changes are reported.
 * Every successful command reports the device's new state; sensors optionally report on a timer.
 */
export class SimulatedHome {
  private readonly devices = new Map<string, SimulatedDevice>();
  private readonly random: () => number;
  private readonly now: () => number;
  private reporter: StateReporter | null = null;
  private sensorTimer: NodeJS.Timeout | null = null;
  readonly stats: SimulatedHomeStats = { commandsSucceeded: 0, commandsFailed: 0, reportsAcked: 0, reportsFailed: 0 };

  constructor(private readonly options: SimulatedHomeOptions) {
    for (const device of createSimulatedDevices(options.deviceCount)) this.devices.set(device.id, device);
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  attach(reporter: StateReporter): void {
    this.reporter = reporter;
  }

  deviceIds(): string[] {
    return [...this.devices.keys()];
  }

  stateOf(deviceId: string): JsonObject | undefined {
    const device = this.devices.get(deviceId);
    return device ? { ...device.state } : undefined;
  }

  /** The metadata snapshot sent as `sync` (an arrow function so it can be passed around unbound). */
  readonly snapshot = (): JsonObject => ({
    rooms: SIMULATED_ROOMS.map((room) => ({ room_id: room, name: room.replace('-', ' ') })),
    devices: [...this.devices.values()].map((device) => ({
      device_id: device.id,
      kind: device.kind,
      name: device.name,
      room_id: device.room,
    })),
    scenes: [],
  });

  /** Runs a cloud command against the simulated device (an arrow function, for the same reason). */
  readonly handleCommand = async (command: EdgeCommand): Promise<CommandOutcome> => {
    if (this.options.commandLatencyMs) await delay(this.options.commandLatencyMs);
    const device = this.devices.get(command.deviceId);
    if (!device) {
      this.stats.commandsFailed += 1;
      return { status: 'error', error: { code: 'unknown_device', message: `No device ${command.deviceId}` } };
    }
    const effect = applyCommand(device, command.action, command.params);
    if (!effect.ok) {
      this.stats.commandsFailed += 1;
      return { status: 'error', error: effect.error };
    }
    device.state = effect.state;
    this.stats.commandsSucceeded += 1;
    this.report([device]);
    return { status: 'ok', result: { ...effect.state } };
  };

  /** Reports every device's current state in one frame (e.g. right after the first connect). */
  reportAllStates(): void {
    this.report([...this.devices.values()]);
  }

  startSensorReadings(): void {
    const interval = this.options.sensorIntervalMs ?? 0;
    if (interval <= 0 || this.sensorTimer) return;
    this.sensorTimer = setInterval(() => this.readSensors(), interval);
  }

  stop(): void {
    if (this.sensorTimer) clearInterval(this.sensorTimer);
    this.sensorTimer = null;
  }

  private readSensors(): void {
    const sensors = [...this.devices.values()].filter((device) => device.kind === 'sensor');
    for (const sensor of sensors) sensor.state = nextSensorReading(sensor.state, this.random);
    if (sensors.length > 0) this.report(sensors);
  }

  /** Fire and forget: the client keeps unacked reports itself; the home only counts the outcomes. */
  private report(devices: readonly SimulatedDevice[]): void {
    if (!this.reporter) return;
    const ts = this.now() / 1000;
    const states = devices.map((device) => ({ deviceId: device.id, state: { ...device.state }, ts }));
    this.reporter.reportState(states).then(
      () => (this.stats.reportsAcked += 1),
      () => (this.stats.reportsFailed += 1),
    );
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
