import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isBridgeFollower } from '../support/bridge-follower-filter.ts';
import { connectedGateway, ownerWithGateway, type ProvisionedGateway } from '../support/fixtures.ts';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { serverTargets } from '../support/server-targets.ts';
import { SubscriptionStaller } from '../support/subscription-staller.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

const METRICS_TOKEN = 'late-admission-metrics-token-0123456789';

/**
 * A reconnect answered from the credential cache is greeted once this node's credential follower has delivered the
 * session's own BridgeSessionOpened. A follower that stalls must not strand the home — the field edge's `/bridge/`
 * client never reconnects after a close — so past BRIDGE_ADMISSION_TIMEOUT_MS the gateway's stream decides: the
 * session stays while the credentials hold, and a revoked gateway is still closed 4401.
 */
for (const target of serverTargets()) {
  describe(`a cached reconnect the credential follower is late for (${target})`, () => {
    let server: TestServer;
    let staller: SubscriptionStaller;

    beforeAll(async () => {
      server = await startTestServer(
        target,
        { BRIDGE_ADMISSION_TIMEOUT_MS: '200', METRICS_TOKEN, HEARTBEAT_TIMEOUT_S: '30' },
        { wrapEventStore: (store) => (staller = new SubscriptionStaller(store, isBridgeFollower)) },
      );
    });
    afterEach(() => staller.resume());
    afterAll(async () => {
      await server?.stop();
    });

    /** `smarthome_bridge_late_admissions_total`, by outcome, as an operator scrapes it. */
    const lateAdmissions = async () => {
      const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      const text = await response.text();
      // A series appears once counted: absent is 0.
      const count = (outcome: string) => {
        const line = new RegExp(`^smarthome_bridge_late_admissions_total\\{outcome="${outcome}"\\} (\\d+)$`, 'm');
        return Number(text.match(line)?.[1] ?? 0);
      };
      return { kept: count('kept'), refused: count('refused') };
    };

    /** A first session reads the gateway's stream; the cache then remembers its credentials for the reconnect. */
    const connectOnceAndLeave = async (gateway: ProvisionedGateway) => {
      const { socket } = await connectedGateway(server, gateway);
      socket.close();
      await socket.closed;
    };

    it('keeps the session when the stream shows the credentials still hold, and it stays once the follower resumes', async () => {
      const gateway = await ownerWithGateway(server, 'late-kept');
      await connectOnceAndLeave(gateway);
      const before = await lateAdmissions();

      staller.stall();
      // Before: closed 1012 (server_restart) — and this client never comes back.
      const { socket } = await connectedGateway(server, gateway);
      expect(staller.heldCount, 'the follower has not delivered the session’s opening').toBeGreaterThan(0);
      expect(await lateAdmissions()).toEqual({ kept: before.kept + 1, refused: before.refused });
      socket.send({ type: 'ping', request_id: 'while-stalled', timestamp: Date.now() / 1000, payload: {} });
      expect((await socket.next('pong')).request_id).toBe('while-stalled');

      // The follower now delivers the session's own opening: it neither replaces nor ends the session.
      staller.resume();
      socket.send({ type: 'ping', request_id: 'after-resume', timestamp: Date.now() / 1000, payload: {} });
      expect((await socket.next('pong')).request_id).toBe('after-resume');
      socket.close();
      expect(await socket.closed).toEqual({ code: 1000, reason: 'bye' });
    });

    it('closes the session 4401 when the gateway was revoked while the follower stalled, before any welcome', async () => {
      const gateway = await ownerWithGateway(server, 'late-revoked');
      await connectOnceAndLeave(gateway);
      const before = await lateAdmissions();

      staller.stall();
      // The follower does not see the revocation, so the cache still answers the handshake for these credentials.
      expect((await gateway.user.post(`/api/gateways/${gateway.gatewayId}/revoke`)).status).toBe(200);
      const socket = await GatewaySocket.connect(server.url, gateway);
      expect(await socket.closed).toEqual({ code: 4401, reason: 'revoked' });
      expect(socket.hasReceived('welcome')).toBe(false);
      expect(await lateAdmissions()).toEqual({ kept: before.kept, refused: before.refused + 1 });
    });
  });
}
