import { describe, expect, it } from 'vitest';
import { appGatewayStatus } from '../../src/api/routes/app-gateway-status.ts';

const TIMEOUT_S = 90;
const now = Date.parse('2026-06-01T12:00:00Z');
const ago = (seconds: number) => new Date(now - seconds * 1000);

describe("the app's gateway status", () => {
  it('a session recorded open with nothing recorded past the heartbeat timeout, held elsewhere, reads stale', () => {
    expect(appGatewayStatus({ status: 'online', last_seen: ago(TIMEOUT_S + 1) }, false, TIMEOUT_S, now)).toBe('stale');
    expect(appGatewayStatus({ status: 'online', last_seen: ago(TIMEOUT_S - 1) }, false, TIMEOUT_S, now)).toBe('online');
  });

  it('a socket held by this process is online whatever the read model says; revoked stays revoked', () => {
    expect(appGatewayStatus({ status: 'online', last_seen: ago(10 * TIMEOUT_S) }, true, TIMEOUT_S, now)).toBe('online');
    expect(appGatewayStatus({ status: 'pending', last_seen: null }, true, TIMEOUT_S, now)).toBe('online');
    expect(appGatewayStatus({ status: 'revoked', last_seen: ago(1) }, true, TIMEOUT_S, now)).toBe('revoked');
    expect(appGatewayStatus({ status: 'offline', last_seen: ago(1) }, false, TIMEOUT_S, now)).toBe('offline');
  });
});
