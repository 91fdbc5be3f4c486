import { canConnect, gatewayDecider } from '../../domain/gateways/gateway.ts';
import { gatewayStream } from '../../domain/gateways/gateway-events.ts';
import { isUuid } from '../../domain/values/uuid.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import type { SecretDigester } from './secret-digester.ts';

export interface AuthenticatedGateway {
  gatewayId: string;
  homeId: string;
  /** Revision of the gateway stream's last event the check read: a later revocation or rotation ends the session. */
  revision: number;
}

/**
 * Checks a gateway's credentials for the bridge. Decided on the gateway's own stream (not a read model), so a
 * revocation or rotation is effective on the very next connection attempt.
 */
export class GatewayAuthenticator {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly digester: SecretDigester,
  ) {}

  async verifyGatewaySecret(gatewayId: string, secret: string): Promise<AuthenticatedGateway | null> {
    if (!isUuid(gatewayId) || secret.length === 0 || secret.length > 512) return null;
    const { state, revision } = await this.handler.load(gatewayDecider, gatewayStream(gatewayId.toLowerCase()));
    if (!canConnect(state) || state.secretDigest === null || state.homeId === null) return null;
    if (!this.digester.secretMatches(secret, state.secretDigest)) return null;
    return { gatewayId: state.gatewayId!, homeId: state.homeId, revision: revision! };
  }
}
