import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { CredentialCache } from '../../src/bridge/credential-cache.ts';
import { CredentialFollower } from '../../src/bridge/credential-follower.ts';
import type { GatewaySession } from '../../src/bridge/gateway-session.ts';
import { createLogger } from '../../src/logger.ts';
import { useEventStore } from '../support/event-store-fixture.ts';

const verdictOf = (gatewayId: string, revision = 0) => ({ gatewayId, homeId: randomUUID(), revision });

/** A reconnect checks its credentials on a cached view; a revocation ends what the view remembers. */
describe('credential cache', () => {
  it('answers a reconnect with the same secret from the view, and reads again for another secret', async () => {
    const gatewayId = randomUUID();
    const check = vi.fn(async (_id: string, secret: string) => (secret === 'right' ? verdictOf(gatewayId) : null));
    const cache = new CredentialCache(check, { endedAfter: () => false });
    expect(await cache.authenticate(gatewayId, 'right')).toMatchObject({ gatewayId, cached: false });
    expect(await cache.authenticate(gatewayId.toUpperCase(), 'right')).toMatchObject({ gatewayId, cached: true });
    expect(check).toHaveBeenCalledTimes(1);
    expect(await cache.authenticate(gatewayId, 'wrong')).toBeNull();
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('reads the stream again once the gateway is forgotten or its credentials ended after the cached check', async () => {
    const gatewayId = randomUUID();
    let endedAt = -1;
    const check = vi.fn(async () => verdictOf(gatewayId, 3));
    const cache = new CredentialCache(check, { endedAfter: (_id, revision) => endedAt > revision });
    await cache.authenticate(gatewayId, 'secret');
    cache.forget(gatewayId);
    expect(await cache.authenticate(gatewayId, 'secret')).toMatchObject({ cached: false });
    endedAt = 4; // a revocation the follower saw: the cached verdict (revision 3) is not served, nor kept again
    expect(await cache.authenticate(gatewayId, 'secret')).toMatchObject({ cached: false });
    expect(await cache.authenticate(gatewayId, 'secret')).toMatchObject({ cached: false });
    expect(check).toHaveBeenCalledTimes(4);
  });
});

describe('credential follower, for a cached admission (pglite)', () => {
  const fixture = useEventStore('pglite');
  const sessionOf = (gatewayId: string, sessionId: string, credentialsRevision: number) =>
    ({ gatewayId, sessionId, origin: { credentialsRevision } }) as unknown as GatewaySession;
  const append = (stream: string, type: string, gatewayId: string, sessionId = randomUUID()) =>
    fixture.store.appendToStream(
      stream,
      [{ id: randomUUID(), type, data: { gateway_id: gatewayId, session_id: sessionId }, metadata: {} }],
      { expectedRevision: 'any' },
    );

  it('tells when it passed a session’s opening, and whether a revocation before it ended the checked credentials', async () => {
    const forgotten: string[] = [];
    const none = { registered: () => undefined, open: () => undefined };
    const follower = new CredentialFollower(fixture.store, none, createLogger('silent'), (id) => forgotten.push(id));
    await follower.start();
    try {
      const [kept, revoked] = [randomUUID(), randomUUID()];
      await append(`gateway-${revoked}`, 'GatewayProvisioned', revoked);
      await append(`gateway-${revoked}`, 'GatewayRevoked', revoked); // revision 1, acknowledged before the connect
      const [revokedSession, keptSession] = [randomUUID(), randomUUID()];
      await append(`gateway_telemetry-${revoked}`, 'BridgeSessionOpened', revoked, revokedSession);
      // A later event of the kept session's batch, which the follower does not follow, must not be waited for.
      await append(`gateway_telemetry-${kept}`, 'BridgeSessionOpened', kept, keptSession);
      await append(`gateway_telemetry-${kept}`, 'DeviceStatesReported', kept);
      // Checked on a cached view at revision 0: only the follower's catching up can tell.
      const revokedOne = sessionOf(revoked, revokedSession, 0);
      expect(await follower.ownOpeningDelivered(revokedSession, 10_000)).toBe('delivered');
      expect(follower.credentialsEnded(revokedOne)).toBe(true);
      expect(await follower.ownOpeningDelivered(keptSession, 10_000)).toBe('delivered');
      expect(follower.credentialsEnded(sessionOf(kept, keptSession, 0))).toBe(false);
      // An opening that is not in the log is never delivered: the caller is told so once its bound ran out.
      expect(await follower.ownOpeningDelivered(randomUUID(), 50)).toBe('late');
      expect(forgotten).toEqual([revoked]);
    } finally {
      follower.stop();
    }
  });
});
