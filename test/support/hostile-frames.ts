import fc from 'fast-check';

/**
 * Hostile edge → cloud frames, as JSON text, each built so that no correct bridge may accept it: numbers no time
 * can be, nesting past the depth bound, NUL and lone surrogates where strings go, and wrong types. Shared by the
 * parser's property test and the live-socket one.
 */

const now = () => Math.floor(Date.now() / 1000);

/** A state frame whose every part is fine, with one field replaced (`path` walks into it). */
function stateFrame(
  overrides: { requestId?: unknown; deviceId?: unknown; state?: unknown; ts?: unknown; timestamp?: unknown } = {},
) {
  const report: Record<string, unknown> = {
    device_id: 'deviceId' in overrides ? overrides.deviceId : 'lamp',
    state: 'state' in overrides ? overrides.state : { on: true },
  };
  if ('ts' in overrides) report.ts = overrides.ts;
  return {
    type: 'state',
    request_id: 'requestId' in overrides ? overrides.requestId : 'hostile',
    timestamp: 'timestamp' in overrides ? overrides.timestamp : now(),
    payload: report,
  };
}

/** Numbers no wire time can be: past year 9999 up to 1e308, negative, or (written as text) beyond a double. */
const impossibleTime = fc.oneof(
  fc.double({ min: 253_402_300_800, max: 1e308, noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: -1e308, max: -Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e300, -1, 8.64e12 + 1),
);

const hugeNumberFrame = fc.oneof(
  impossibleTime.map((ts) => JSON.stringify(stateFrame({ ts }))),
  impossibleTime.map((timestamp) => JSON.stringify(stateFrame({ timestamp }))),
  // 1e400 parses to Infinity, which no JSON value can be.
  fc.constantFrom('1e400', '-1e999').map((big) => JSON.stringify(stateFrame()).replace('"on":true', `"on":${big}`)),
);

/** Nesting from just past the bound (32) to far past anything a recursive walk survives. */
const deepFrame = fc
  .tuple(
    fc.integer({ min: 33, max: 6_000 }),
    fc.constantFrom('state', 'sync', 'ping', 'ack'),
    fc.constantFrom('[', '{"a":'),
  )
  .map(([depth, type, open]) => {
    const close = open === '[' ? ']' : '}';
    const nested = `${open.repeat(depth)}1${close.repeat(depth)}`;
    return `{"type":"${type}","request_id":"deep","timestamp":${now()},"payload":{"device_id":"d","state":{"x":${nested}},"x":${nested}}}`;
  });

/** A string holding NUL or a lone surrogate somewhere (JSON.stringify writes a lone surrogate as `\udXXX`). */
export const unstorableText = fc
  .tuple(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('\u0000', '\ud800', '\udfff', '\udbff'),
    fc.string({ maxLength: 20 }),
  )
  .map(([before, bad, after]) => `${before}${bad}${after}`);

const unstorableFrame = fc
  .oneof(
    unstorableText.map((deviceId) => stateFrame({ deviceId })),
    unstorableText.map((value) => stateFrame({ state: { name: value } })),
    unstorableText.map((key) => stateFrame({ state: { [key]: 1 } })),
    unstorableText.map((requestId) => stateFrame({ requestId })),
    unstorableText.map((name) => ({ type: 'sync', request_id: 'y', timestamp: now(), payload: { rooms: [{ name }] } })),
  )
  .map((frame) => JSON.stringify(frame));

const notAString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);
const notAnObject = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer(), { maxLength: 3 }),
);

const wrongTypeFrame = fc
  .oneof(
    notAString.map((requestId) => stateFrame({ requestId })),
    notAString.map((deviceId) => stateFrame({ deviceId })),
    notAnObject.map((state) => stateFrame({ state })),
    fc
      .oneof(
        fc.boolean(),
        fc.string({ minLength: 1, maxLength: 10 }).filter((s) => Number.isNaN(Date.parse(s))),
        fc.array(fc.integer()),
      )
      .map((ts) => stateFrame({ ts })),
    notAnObject.map((payload) => ({ type: 'sync', request_id: 'y', timestamp: now(), payload })),
    notAString.filter((type) => type !== null).map((type) => ({ type, request_id: 'x', payload: {} })),
  )
  .map((frame) => JSON.stringify(frame));

export const hostileFrame: fc.Arbitrary<string> = fc.oneof(hugeNumberFrame, deepFrame, unstorableFrame, wrongTypeFrame);
