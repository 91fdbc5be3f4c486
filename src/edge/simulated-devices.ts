import type { AckErrorDetail, JsonObject } from '../bridge/protocol/index.ts';

/**
 * The device models of the simulated home, pure: how each kind of device starts, and how a command changes
 * it. Lights dim, switches switch, sensors only measure (and refuse commands, as real ones do).
 */

export type SimulatedDeviceKind = 'light' | 'switch' | 'sensor';

export interface SimulatedDevice {
  id: string;
  kind: SimulatedDeviceKind;
  name: string;
  room: string;
  state: JsonObject;
}

export type CommandEffect = { ok: true; state: JsonObject } | { ok: false; error: AckErrorDetail };

export const SIMULATED_ROOMS = ['living-room', 'kitchen', 'bedroom', 'office', 'hallway'] as const;

export function initialState(kind: SimulatedDeviceKind): JsonObject {
  switch (kind) {
    case 'light':
      return { on: false, brightness: 100 };
    case 'switch':
      return { on: false };
    case 'sensor':
      return { temperature: 21, humidity: 45 };
  }
}

/** `count` devices, kinds round-robin (light, switch, sensor, light…), spread over the rooms. */
export function createSimulatedDevices(count: number): SimulatedDevice[] {
  const kinds: SimulatedDeviceKind[] = ['light', 'switch', 'sensor'];
  return Array.from({ length: count }, (_, index) => {
    const kind = kinds[index % kinds.length] ?? 'light';
    const room = SIMULATED_ROOMS[index % SIMULATED_ROOMS.length] ?? 'living-room';
    const id = `${kind}-${index + 1}`;
    return { id, kind, name: `${room} ${kind} ${index + 1}`, room, state: initialState(kind) };
  });
}

export function applyCommand(device: SimulatedDevice, action: string, params: JsonObject): CommandEffect {
  if (device.kind === 'sensor') {
    return refuse('read_only_device', `${device.id} is a sensor; it accepts no commands`);
  }
  switch (action) {
    case 'turn_on':
      return { ok: true, state: { ...device.state, on: true } };
    case 'turn_off':
      return { ok: true, state: { ...device.state, on: false } };
    case 'set':
      return applySet(device, params);
    default:
      return refuse('unsupported_action', `${device.kind} ${device.id} does not support "${action}"`);
  }
}

function applySet(device: SimulatedDevice, params: JsonObject): CommandEffect {
  const allowed = device.kind === 'light' ? ['on', 'brightness'] : ['on'];
  const names = Object.keys(params);
  const unknown = names.filter((name) => !allowed.includes(name));
  if (names.length === 0 || unknown.length > 0) {
    return refuse(
      'invalid_params',
      `set on a ${device.kind} takes ${allowed.join(', ')}; got ${names.join(', ') || 'nothing'}`,
    );
  }
  const { on, brightness } = params;
  if (on !== undefined && typeof on !== 'boolean') return refuse('invalid_params', '"on" must be a boolean');
  if (
    brightness !== undefined &&
    (typeof brightness !== 'number' || !Number.isInteger(brightness) || brightness < 0 || brightness > 100)
  ) {
    return refuse('invalid_params', '"brightness" must be an integer from 0 to 100');
  }
  return { ok: true, state: { ...device.state, ...params } };
}

/** One sensor reading step: a small random walk, kept within plausible indoor ranges. */
export function nextSensorReading(state: JsonObject, random: () => number): JsonObject {
  const temperature = typeof state['temperature'] === 'number' ? state['temperature'] : 21;
  const humidity = typeof state['humidity'] === 'number' ? state['humidity'] : 45;
  return {
    temperature: round(clamp(temperature + (random() - 0.5) * 0.4, 10, 35), 1),
    humidity: Math.round(clamp(humidity + (random() - 0.5) * 2, 20, 80)),
  };
}

function refuse(code: string, message: string): CommandEffect {
  return { ok: false, error: { code, message } };
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
