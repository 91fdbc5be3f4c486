import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  bodyEndpoints,
  expectJsonRefusal,
  hostileFixture,
  nestedJsonText,
  send,
  type HostileFixture,
} from './hostile-support.ts';

const RUNS_PER_ENDPOINT = 60;

/**
 * A JSON text fragment no field of any endpoint accepts: a string with NUL or a lone surrogate, a string longer
 * than any bound, a number out of every range (or one JSON.parse makes infinite), nesting past every depth bound,
 * or a container where a scalar belongs (and vice versa — a string where `params` wants an object).
 */
const hostileValue: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }))
    .map(([a, b]) => JSON.stringify(`${a}\u0000${b}`)),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0xd800, max: 0xdfff }))
    .map(([a, unit]) => JSON.stringify(`${a}${String.fromCharCode(unit)}`)),
  fc.integer({ min: 70_000, max: 200_000 }).map((length) => JSON.stringify('x'.repeat(length))),
  fc.constantFrom(
    '1e999',
    '-1e999',
    '1e300',
    '-1e300',
    '9007199254740993',
    '-0.5',
    '1e-300',
    '123456789012345678901234567890',
  ),
  fc
    .integer({ min: 33, max: 6_000 })
    .chain((depth) => fc.constantFrom(nestedJsonText(depth, 'array'), nestedJsonText(depth, 'object'))),
  fc.array(fc.integer(), { minLength: 1, maxLength: 5 }).map((items) => JSON.stringify(items)),
);

/** A body for `fields`: at least one of them hostile, the others hostile too or left out. */
function hostileBody(fields: readonly string[]): fc.Arbitrary<string> {
  const field = fc.constantFrom(...fields);
  const entries = fc.uniqueArray(fc.tuple(field, hostileValue), {
    minLength: 1,
    maxLength: fields.length,
    selector: ([name]) => name,
  });
  const asObject = entries.map(
    (pairs) => `{${pairs.map(([name, value]) => `${JSON.stringify(name)}:${value}`).join(',')}}`,
  );
  // Wrong from the top: a hostile value where the object belongs. (Unknown keys alone are ignored, not refused.)
  const whole = hostileValue;
  return fc.oneof({ weight: 4, arbitrary: asObject }, { weight: 1, arbitrary: whole });
}

describe('hostile REST bodies (property)', () => {
  let server: TestServer;
  let fixture: HostileFixture;

  beforeAll(async () => {
    // Failed pairing redemptions are rate-limited per address: a 429 is a fine answer too, but keep them 400s.
    server = await startTestServer('pglite', { PAIRING_RATE_LIMIT: '100000', LOGIN_RATE_LIMIT: '100000' });
    fixture = await hostileFixture(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('every hostile body on every write endpoint is a 4xx with the JSON error shape, and the server keeps serving', async () => {
    for (const endpoint of bodyEndpoints(fixture)) {
      await fc.assert(
        fc.asyncProperty(hostileBody(endpoint.fields), async (body) => {
          expectJsonRefusal(
            await send(fixture, endpoint, body),
            `${endpoint.method} ${endpoint.path} ${body.slice(0, 120)}`,
          );
        }),
        { numRuns: RUNS_PER_ENDPOINT },
      );
    }
    // Still up, and a normal write and read work.
    const renamed = await fixture.owner.patch(`/api/gateways/${fixture.gatewayId}`, { name: 'Still here' });
    expect(renamed.status).toBe(200);
    expect(renamed.body.name).toBe('Still here');
    const command = await fixture.owner.post(`/api/gateways/${fixture.gatewayId}/commands`, {
      device_id: 'lamp',
      action: 'on',
      params: { level: 1 },
      ttl_s: 60,
    });
    expect(command.status).toBe(202);
    expect((await fixture.owner.get('/api/auth/profile')).status).toBe(200);
  });

  it('every hostile query is a 4xx with the JSON error shape', async () => {
    const queryValue = fc.oneof(
      fc.constantFrom('%00', '%ED%A0%80', '%E0%A4%A', '1e999', '-1', '1e300', 'NaN', '%FF', `${'9'.repeat(400)}`),
      // Long, but under Node's 16 KB header limit (past it Node answers 431 before our code runs).
      fc.integer({ min: 1_000, max: 8_000 }).map((length) => 'x'.repeat(length)),
    );
    // Each endpoint with the parameters it reads (others are ignored, not refused).
    const target = fc.oneof(
      fc
        .constantFrom('limit', 'cursor', 'type', 'from', 'to')
        .map((name) => `/api/audit/?home_id=${fixture.homeId}&${name}=`),
      fc
        .constantFrom('commands', 'sessions')
        .chain((list) =>
          fc.constantFrom('limit', 'offset').map((name) => `/api/gateways/${fixture.gatewayId}/${list}?${name}=`),
        ),
    );
    await fc.assert(
      fc.asyncProperty(target, queryValue, async (prefix, value) => {
        const path = `${prefix}${value}`;
        expectJsonRefusal(await fixture.owner.get(path), path.slice(0, 120));
      }),
      { numRuns: 100 },
    );
    expect((await fixture.owner.get(`/api/audit/?home_id=${fixture.homeId}`)).status).toBe(200);
  });
});
