import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewaySocket } from '../support/gateway-socket.ts';
import { ownerWithGateway } from '../support/fixtures.ts';
import { serverTargets } from '../support/server-targets.ts';
import { startTestServer, type TestServer } from '../support/test-server.ts';

/**
 * A gateway revoked (or its secret rotated) after the handshake checked its credentials but before the session
 * was recorded: `BridgeSessionOpened` then lands after the revocation in the log, so comparing global positions
 * would keep the session. It must be closed with `revoked` all the same.
 */
for (const target of serverTargets()) {
  describe(`revocation racing a handshake (${target})`, () => {
    let server: TestServer;
    /** Runs once, between the credential check and the session's start. */
    let betweenCheckAndSession: (() => Promise<void>) | null = null;

    beforeAll(async () => {
      server = await startTestServer(target, { HEARTBEAT_TIMEOUT_S: '30' });
      const authenticator = server.gatewayAuthenticator;
      const check = authenticator.verifyGatewaySecret.bind(authenticator);
      authenticator.verifyGatewaySecret = async (gatewayId, secret) => {
        const verdict = await check(gatewayId, secret);
        const hook = betweenCheckAndSession;
        betweenCheckAndSession = null;
        await hook?.();
        return verdict;
      };
    });
    afterAll(async () => {
      await server?.stop();
    });

    const provision = () => ownerWithGateway(server, 'race');

    const stillOpenAfter = (ms: number) =>
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), ms).unref());

    it.each([
      ['revoke', 4401],
      ['rotate-secret', 4401],
    ])('%s between the credential check and BridgeSessionOpened closes the new session', async (action, code) => {
      const gateway = await provision();
      betweenCheckAndSession = async () => {
        expect((await gateway.user.post(`/api/gateways/${gateway.gatewayId}/${action}`)).status).toBe(200);
      };
      const socket = await GatewaySocket.connect(server.url, gateway);
      const outcome = await Promise.race([socket.closed, stillOpenAfter(3000)]);
      socket.close();
      expect(outcome).toEqual({ code, reason: 'revoked' });
    });
  });
}
