import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';
import {
  bodyEndpoints,
  expectJsonRefusal,
  hostileFixture,
  nestedJsonText,
  send,
  type HostileFixture,
} from './hostile-support.ts';

const NUL = 'name\u0000with NUL';
const LONE_SURROGATE = 'name\ud800alone';

describe.each(serverTargets())('hostile input on %s', (target) => {
  let server: TestServer;
  let fixture: HostileFixture;

  beforeAll(async () => {
    server = await startTestServer(target);
    fixture = await hostileFixture(server);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['NUL', NUL, 'nul_character'],
    ['a lone surrogate', LONE_SURROGATE, 'lone_surrogate'],
  ])('%s in a name, device_id or params gives a 400, not a 500, on every endpoint', async (_label, text, violation) => {
    for (const endpoint of bodyEndpoints(fixture)) {
      for (const field of endpoint.fields) {
        const response = await send(
          fixture,
          endpoint,
          JSON.stringify({ [field]: field === 'params' ? { key: text } : text }),
        );
        expectJsonRefusal(response, `${endpoint.method} ${endpoint.path} ${field}`);
        expect(response.status).toBe(400);
        expect(response.body.error.code).toBe('json_out_of_bounds');
        expect(response.body.error.details.violation).toBe(violation);
      }
    }
  });

  it('NUL in a key gives a 400', async () => {
    const response = await fixture.owner.post(`/api/gateways/${fixture.gatewayId}/commands`, {
      device_id: 'lamp',
      action: 'on',
      params: { ['k\u0000']: 1 },
      ttl_s: 60,
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual({ violation: 'nul_character', path: 'params.k\u0000' });
  });

  it('remote-command params nested 5,000 deep give a 400, and the process keeps serving', async () => {
    const body = `{"device_id":"lamp","action":"on","ttl_s":60,"params":{"p":${nestedJsonText(5_000, 'object')}}}`;
    const response = await fixture.owner.request('POST', `/api/gateways/${fixture.gatewayId}/commands`, body);
    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({ code: 'json_out_of_bounds', details: { violation: 'too_deep' } });
    expect((await fixture.owner.get('/api/auth/profile')).status).toBe(200);
  });

  it('remote-command params deeper than 16 levels give a 400 validation_error', async () => {
    const body = `{"device_id":"lamp","action":"on","ttl_s":60,"params":{"p":${nestedJsonText(20, 'object')}}}`;
    const response = await fixture.owner.request('POST', `/api/gateways/${fixture.gatewayId}/commands`, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_error');
  });

  it('a number that JSON.parse turns into Infinity gives a 400', async () => {
    const body = `{"device_id":"lamp","action":"on","ttl_s":1e999}`;
    const response = await fixture.owner.request('POST', `/api/gateways/${fixture.gatewayId}/commands`, body);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('json_out_of_bounds');
  });

  it.each([
    ['NUL', '%00'],
    ['a lone surrogate', '%ED%A0%80'],
    ['a broken escape', '%E0%A4%A'],
  ])('%s in a query gives a 4xx', async (_label, text) => {
    for (const path of [
      `/api/audit/?home_id=${fixture.homeId}&cursor=${text}`,
      `/api/audit/?home_id=${fixture.homeId}&type=${text}`,
      `/api/gateways/${fixture.gatewayId}/commands?limit=${text}`,
      `/api/gateways/${fixture.gatewayId}/sessions?offset=1${text}`,
    ]) {
      expectJsonRefusal(await fixture.owner.get(path), path);
    }
  });

  it.each([['%00'], ['%ED%A0%80'], ['%E0%A4%A'], ['x'.repeat(5000)]])('a path id %s gives a 4xx', async (id) => {
    for (const path of [
      `/api/gateways/${id}`,
      `/api/commands/${id}`,
      `/api/homes/${id}`,
      `/api/gateways/homes/${id}/permissions/`,
    ]) {
      expectJsonRefusal(await fixture.owner.get(path), path.slice(0, 60));
    }
  });

  it('a valid command with params still works after all that', async () => {
    const response = await fixture.owner.post(`/api/gateways/${fixture.gatewayId}/commands`, {
      device_id: 'lamp',
      action: 'on',
      params: { level: 3, nested: { ok: ['é', '😀'] } },
      ttl_s: 60,
    });
    expect(response.status).toBe(202);
  });
});
