import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SubscribeToAllOptions } from '../../src/eventstore/port.ts';
import { AppLiveSocket } from '../support/app-client.ts';
import { isBridgeFollower } from '../support/bridge-follower-filter.ts';
import { homeWithEveryRole } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { HttpClient } from '../support/http.ts';
import { serverTargets } from '../support/server-targets.ts';
import { SubscriptionBreaker } from '../support/subscription-breaker.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

for (const target of serverTargets().filter((name) => name !== 'esdb')) {
  describe(`the bridge's follower resumes where it stopped (${target})`, () => {
    let server: TestServer;
    let breaker: SubscriptionBreaker | null = null;

    beforeAll(async () => {
      server = await startTestServer(
        target,
        {},
        {
          wrapEventStore: (store) => (breaker = new SubscriptionBreaker(store, isBridgeFollower)),
        },
      );
    });
    afterAll(async () => {
      await server?.stop();
    });

    it('a revocation appended while the subscription was down still kicks the live session', async () => {
      const http = new HttpClient(server.url);
      const registered = await http.post('/api/auth/register', {
        email: `gap${Date.now()}@example.com`,
        password: 'password1',
      });
      const user = http.withToken(registered.body.access);
      const provisioned = await user.post('/api/gateways/provision', { name: 'Hall' });
      expect(provisioned.status).toBe(201);
      const socket = await GatewaySocket.connect(server.url, {
        gatewayId: provisioned.body.id,
        secret: provisioned.body.secret,
      });
      await socket.next('welcome');
      await vi.waitFor(() => expect(breaker!.liveCount).toBe(1));

      breaker!.break();
      expect((await user.post(`/api/gateways/${provisioned.body.id}/revoke`)).status).toBe(200);
      breaker!.restore();

      // Resubscribing from the head of the log (the old behaviour) skips the revocation and the session lives on.
      const closed = await Promise.race([
        socket.closed,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000)),
      ]);
      expect(closed).toEqual({ code: 4401, reason: 'revoked' });
    });
  });
}

/** The app sockets' subscription is the one that follows permission revocations and live device states alone. */
const isAppSocketFollower = (options: SubscribeToAllOptions | undefined) => {
  const filter = options?.filter;
  if (filter === undefined || !('eventTypes' in filter)) return false;
  return (
    filter.eventTypes.includes('PermissionRevoked') &&
    filter.eventTypes.includes('DeviceStatesReported') &&
    filter.eventTypes.length < 15
  );
};

describe("the app sockets' subscription resumes where it stopped (pglite)", () => {
  let server: TestServer;
  let breaker: SubscriptionBreaker | null = null;

  beforeAll(async () => {
    server = await startTestServer(
      'pglite',
      {},
      { wrapEventStore: (store) => (breaker = new SubscriptionBreaker(store, isAppSocketFollower)) },
    );
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('a permission revoked while the subscription was down still closes the member’s app socket', async () => {
    const home = await homeWithEveryRole(server);
    const viewer = await AppLiveSocket.connect(server.url, home.homeId, home.people.viewer.access);
    await vi.waitFor(() => expect(breaker!.liveCount).toBe(1));

    breaker!.break();
    const revoked = await home.people.owner.http.delete(
      `/api/gateways/homes/${home.homeId}/permissions/${home.people.viewer.id}/`,
    );
    expect(revoked.status).toBe(204);
    breaker!.restore();

    const closed = await Promise.race([
      viewer.closed,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 15_000)),
    ]);
    expect(closed).toEqual({ code: 4403, reason: 'your access to this home was revoked' });
  });
});
