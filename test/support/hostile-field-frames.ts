import fc from 'fast-check';
import { unstorableText } from './hostile-frames.ts';

/**
 * Hostile frames in the field dialect (`/ws/gateway/`), as JSON text, each built so that no correct bridge may
 * accept it: nesting past the depth bound, NUL and lone surrogates where strings go, numbers beyond a double,
 * and wrong types. Shared by the parser's property test and the live-socket one.
 */

const entity = (overrides: Record<string, unknown> = {}) => ({
  id: '12',
  name: 'Lamp',
  entity_type: 'light',
  state: 'ON',
  device_name: 'Hall',
  ...overrides,
});
const devicesResponse = (overrides: Record<string, unknown> = {}, entityOverrides: Record<string, unknown> = {}) => ({
  type: 'devices_response',
  request_id: 'sync_on_connect',
  devices: [entity(entityOverrides)],
  ...overrides,
});
const stateUpdate = (overrides: Record<string, unknown> = {}) => ({
  type: 'state_update',
  entity_id: '12',
  state: '21.5',
  timestamp: '2026-03-01T10:00:00.123456',
  ...overrides,
});

const deepFieldFrame = fc
  .tuple(
    fc.integer({ min: 33, max: 6_000 }),
    fc.constantFrom('[', '{"a":'),
    fc.constantFrom('state_update', 'devices_response'),
  )
  .map(([depth, open, type]) => {
    const close = open === '[' ? ']' : '}';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return type === 'state_update'
      ? `{"type":"state_update","entity_id":"12","state":${nested},"timestamp":null}`
      : `{"type":"devices_response","request_id":"r","devices":[{"id":"1","name":"n","entity_type":"t","device_name":"d","state":${nested}}]}`;
  });

const unstorableFieldFrame = fc
  .oneof(
    unstorableText.map((text) => stateUpdate({ entity_id: text })),
    unstorableText.map((text) => stateUpdate({ state: text })),
    unstorableText.map((text) => stateUpdate({ timestamp: text })),
    unstorableText.map((text) => devicesResponse({}, { name: text })),
    unstorableText.map((text) => devicesResponse({}, { state: { [text]: 1 } })),
    unstorableText.map((text) => devicesResponse({ request_id: text })),
    unstorableText.map((text) => ({ type: 'ack', request_id: 'c', status: 'success', message: text })),
    unstorableText.map((text) => ({ type: 'error', request_id: 'c', message: text })),
  )
  .map((frame) => JSON.stringify(frame));

const notAString = fc.oneof(
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

const wrongTypeFieldFrame = fc
  .oneof(
    notAString.map((entityId) => stateUpdate({ entity_id: entityId })),
    fc.constantFrom(1.5, -0.5, 1e20).map((entityId) => stateUpdate({ entity_id: entityId })),
    notAString.map((requestId) => devicesResponse({ request_id: requestId })),
    fc
      .oneof(
        fc.integer(),
        fc.string({ maxLength: 5 }),
        fc.constant(null),
        fc.dictionary(fc.string({ maxLength: 5 }), fc.integer()),
      )
      .map((devices) => devicesResponse({ devices })),
    notAString.filter((id) => id !== null).map((id) => devicesResponse({}, { id })),
    notAString.map((requestId) => ({ type: 'ack', request_id: requestId, status: 'success', message: 'ok' })),
    fc.constant(stateUpdate({ state: undefined })),
  )
  .map((frame) => JSON.stringify(frame));

/** 1e400 parses to Infinity, which no JSON value can be. */
const hugeNumberFieldFrame = fc
  .constantFrom('1e400', '-1e999')
  .map((big) => `{"type":"state_update","entity_id":"12","state":${big},"timestamp":null}`);

export const hostileFieldFrame: fc.Arbitrary<string> = fc.oneof(
  deepFieldFrame,
  unstorableFieldFrame,
  wrongTypeFieldFrame,
  hugeNumberFieldFrame,
);
