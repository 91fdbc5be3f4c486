import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors.ts';
import { canConnect, gatewayDecider, type GatewayState } from '../../domain/gateways/gateway.ts';
import { gatewayStream } from '../../domain/gateways/gateway-events.ts';
import { homeDecider } from '../../domain/homes/home.ts';
import { homeStream } from '../../domain/homes/home-events.ts';
import type { Role } from '../../domain/homes/roles.ts';
import { combineWrites, writeResultOf, type CommandBus, type WriteResult } from '../command-bus.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { generateGatewaySecret, type SecretDigester } from './secret-digester.ts';

export const DEFAULT_GATEWAY_NAME = 'Gateway';

export interface ProvisionedGateway {
  gatewayId: string;
  homeId: string;
  name: string;
  /** Plaintext, for the one answer that shows it. Never logged, never stored. */
  secret: string;
  write: WriteResult;
}

export interface ProvisionInput {
  /** Who provisions: becomes the owner of a new home; must be owner or admin of an existing one. */
  actorId: string;
  homeId?: string;
  name?: string;
  via: 'provision' | 'pairing';
  /** Pairing names the gateway before provisioning it (its redemption event refers to it). */
  gatewayId?: string;
}

/**
 * Gateway use cases. The home stream holds the "one active gateway" slot and everyone's role; the gateway stream
 * holds its lifecycle and secret digest. Authorisation for a gateway command reads the home stream right before.
 */
export class GatewayCommands {
  constructor(
    private readonly bus: CommandBus,
    private readonly homes: HomeCommands,
    private readonly digester: SecretDigester,
  ) {}

  async provision(input: ProvisionInput, context: CommandContext): Promise<ProvisionedGateway> {
    const homeId = input.homeId ?? randomUUID();
    const gatewayId = input.gatewayId ?? randomUUID();
    const name = input.name ?? DEFAULT_GATEWAY_NAME;
    const secret = generateGatewaySecret();
    const attached = await this.attach(homeId, input.actorId, gatewayId, context);
    try {
      const provisioned = await this.bus.execute(
        gatewayDecider,
        gatewayStream(gatewayId),
        { type: 'Provision', gatewayId, homeId, name, secretDigest: this.digester.digestSecret(secret), via: input.via },
        context,
      );
      return { gatewayId, homeId, name, secret, write: combineWrites(attached, writeResultOf(provisioned)) };
    } catch (error) {
      // The gateway was not written: free the home's slot so the home is not blocked forever.
      await this.detach(homeId, gatewayId, 'provisioning_failed', context).catch(() => {});
      throw error;
    }
  }

  async rename(gatewayId: string, actorId: string, name: string, context: CommandContext): Promise<WriteResult> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    return writeResultOf(await this.bus.execute(gatewayDecider, gatewayStream(gatewayId), { type: 'Rename', actorRole, name }, context));
  }

  async rotateSecret(gatewayId: string, actorId: string, context: CommandContext): Promise<{ secret: string; write: WriteResult }> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    const secret = generateGatewaySecret();
    const result = await this.bus.execute(
      gatewayDecider,
      gatewayStream(gatewayId),
      { type: 'RotateSecret', actorRole, secretDigest: this.digester.digestSecret(secret) },
      context,
    );
    return { secret, write: writeResultOf(result) };
  }

  /** Revoked first, then the home's slot freed: a crash in between blocks provisioning, never allows two. */
  async revoke(gatewayId: string, actorId: string, context: CommandContext): Promise<WriteResult> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    const result = await this.bus.execute(gatewayDecider, gatewayStream(gatewayId), { type: 'Revoke', actorRole }, context);
    const detached = await this.detach(result.state.homeId!, gatewayId, 'revoked', context);
    return combineWrites(writeResultOf(result), detached);
  }

  async delete(gatewayId: string, actorId: string, context: CommandContext): Promise<WriteResult> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    const result = await this.bus.execute(gatewayDecider, gatewayStream(gatewayId), { type: 'Delete', actorRole }, context);
    const detached = await this.detach(result.state.homeId!, gatewayId, 'deleted', context);
    return combineWrites(writeResultOf(result), detached);
  }

  async load(gatewayId: string): Promise<GatewayState> {
    return (await this.bus.load(gatewayDecider, gatewayStream(gatewayId))).state;
  }

  private async roleFor(gatewayId: string, actorId: string): Promise<Role | null> {
    const gateway = await this.load(gatewayId);
    return gateway.homeId === null ? null : this.homes.roleOf(gateway.homeId, actorId);
  }

  /**
   * Takes the home's slot. When it is held by a gateway that is already revoked or deleted (a crash between the
   * two writes of revoke/delete), the slot is freed first and taken again.
   */
  private async attach(homeId: string, actorId: string, gatewayId: string, context: CommandContext): Promise<WriteResult> {
    const command = { type: 'AttachGateway' as const, homeId, actorId, gatewayId };
    try {
      return writeResultOf(await this.bus.execute(homeDecider, homeStream(homeId), command, context));
    } catch (error) {
      const holder = error instanceof DomainError && error.code === 'home_has_active_gateway' ? String(error.details?.gateway_id) : null;
      if (holder === null) throw error;
      const state = await this.load(holder);
      if (canConnect(state) || state.lifecycle === 'none') throw error;
      const healed = await this.detach(homeId, holder, state.lifecycle === 'deleted' ? 'deleted' : 'revoked', context);
      return combineWrites(healed, writeResultOf(await this.bus.execute(homeDecider, homeStream(homeId), command, context)));
    }
  }

  private async detach(
    homeId: string,
    gatewayId: string,
    reason: 'revoked' | 'deleted' | 'provisioning_failed',
    context: CommandContext,
  ): Promise<WriteResult> {
    return writeResultOf(await this.bus.execute(homeDecider, homeStream(homeId), { type: 'DetachGateway', gatewayId, reason }, context));
  }
}
