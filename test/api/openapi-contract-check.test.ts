import { describe, expect, it } from 'vitest';
import { checkAgainstContract } from '../support/openapi-contract.ts';

const GATEWAY = {
  id: '6f1c1d2e-3a4b-4c5d-8e6f-7a8b9c0d1e2f',
  home_id: '0b1c2d3e-4f50-4617-8829-3a4b5c6d7e8f',
  name: 'Hall',
  version: null,
  status: 'online',
  last_seen: '2026-01-01T10:00:00.000Z',
  created_at: '2026-01-01T09:00:00.000Z',
  revoked_at: null,
};
const path = `/api/gateways/${GATEWAY.id}/`;
const check = (status: number, body: unknown, method = 'GET', at = path) =>
  checkAgainstContract(method, at, status, 'application/json; charset=utf-8', body);

describe('the integration tests check every answer against the document', () => {
  it('accepts a documented answer, by template, with or without the trailing slash', () => {
    expect(() => check(200, GATEWAY)).not.toThrow();
    expect(() => check(200, GATEWAY, 'GET', path.slice(0, -1))).not.toThrow();
    expect(() => check(404, { error: { code: 'gateway_not_found', message: 'No such gateway' } })).not.toThrow();
  });

  it('refuses an undocumented status', () => {
    expect(() => check(409, { error: { code: 'x', message: 'y' } })).toThrow(/answered 409, which is not documented/);
  });

  it('refuses an undocumented field, a missing required field and a wrong type', () => {
    expect(() => check(200, { ...GATEWAY, secret: 's' })).toThrow(/does not match/);
    const { revoked_at: _revokedAt, ...missing } = GATEWAY;
    expect(() => check(200, missing)).toThrow(/does not match/);
    expect(() => check(200, { ...GATEWAY, status: 'asleep' })).toThrow(/does not match/);
    expect(() => check(404, { code: 'gateway_not_found' })).toThrow(/does not match/);
  });

  it('matches literal paths before templates', () => {
    expect(() => check(200, [GATEWAY], 'GET', '/api/gateways/')).not.toThrow();
    expect(() => check(201, GATEWAY, 'POST', '/api/gateways/provision')).toThrow(/ProvisionedGateway/);
  });

  it('leaves paths and methods the document does not know to the test (404 and 405 on purpose)', () => {
    expect(() => check(404, { error: { code: 'not_found', message: 'No route' } }, 'GET', '/api/nope')).not.toThrow();
    expect(() => check(405, { error: { code: 'method_not_allowed', message: 'no' } }, 'PUT', '/healthz')).not.toThrow();
  });
});
