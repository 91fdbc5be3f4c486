import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors.ts';
import { fold } from '../../domain/decider.ts';
import { isPairingExpiry, pairingCodeExpired, pairingDecider, type PairingState } from '../../domain/gateways/pairing.ts';
import { pairingStream, type PairingEvent } from '../../domain/gateways/pairing-events.ts';
import { roleIn } from '../../domain/homes/home.ts';
import { requirePermission } from '../../domain/homes/roles.ts';
import { asDomainEvent, lastOccurredAt } from '../claim-times.ts';
import { combineWrites, writeResultOf, type CommandBus, type WriteResult } from '../command-bus.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import type { GatewayCommands, ProvisionedGateway } from './gateway-commands.ts';
import { generatePairingCode, normalisePairingCode, type SecretDigester } from './secret-digester.ts';

export interface PairingOptions {
  ttlMs: number;
  /** Injected so tests can move time instead of sleeping. */
  clock: () => Date;
}

/**
 * Pairing: a person asks for a short code, the gateway redeems it without a user token and receives its secret
 * directly, so the secret never passes through the phone.
 */
export class PairingCommands {
  constructor(
    private readonly bus: CommandBus,
    private readonly homes: HomeCommands,
    private readonly gateways: GatewayCommands,
    private readonly digester: SecretDigester,
    private readonly options: PairingOptions,
  ) {}

  async request(
    actorId: string,
    input: { homeId?: string | undefined; name?: string | undefined },
    context: CommandContext,
  ): Promise<{ code: string; expiresAt: Date; write: WriteResult }> {
    if (input.homeId !== undefined) {
      const home = await this.homes.load(input.homeId);
      // Anyone may pair a gateway for a new home; an existing one needs its owner or an admin.
      if (home.homeId !== null) requirePermission(roleIn(home, actorId), 'gateway.provision', 'home_not_found', 'home');
    }
    const expiresAt = new Date(this.options.clock().getTime() + this.options.ttlMs);
    for (let attempt = 1; ; attempt++) {
      const code = generatePairingCode();
      try {
        const result = await this.bus.execute(
          pairingDecider,
          this.streamOf(code),
          { type: 'Request', homeId: input.homeId ?? null, name: input.name ?? null, requestedBy: actorId, expiresAt },
          context,
        );
        return { code, expiresAt, write: writeResultOf(result) };
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'pairing_code_collision') || attempt >= 3) throw error;
      }
    }
  }

  /** Redeems a code (single use, decided on its stream) and provisions on behalf of whoever asked for it. */
  async complete(input: { code: string; homeId?: string | undefined; name?: string | undefined }, context: CommandContext): Promise<ProvisionedGateway> {
    const stream = this.streamOf(input.code);
    const pending = await this.reopenAbandonedRedemption(stream, context);
    const gatewayId = randomUUID();
    const homeId = input.homeId ?? pending.state.homeId ?? randomUUID();
    const asGateway: CommandContext = { ...context, actor: { kind: 'gateway', id: gatewayId } };
    const redeemed = await this.bus.execute(pairingDecider, stream, { type: 'Redeem', gatewayId, homeId, now: this.options.clock() }, asGateway);
    if (isPairingExpiry(redeemed.events)) throw pairingCodeExpired();

    const requestedBy = redeemed.state.requestedBy!;
    const onBehalf: CommandContext = { ...asGateway, onBehalfOf: { kind: 'user', id: requestedBy } };
    try {
      const provisioned = await this.gateways.provision(
        { actorId: requestedBy, homeId, name: redeemed.state.name ?? input.name, via: 'pairing', gatewayId },
        onBehalf,
      );
      return { ...provisioned, write: combineWrites(writeResultOf(redeemed), provisioned.write) };
    } catch (error) {
      // Nothing was provisioned: the code stays usable until it expires.
      const reason = error instanceof DomainError ? error.code : 'internal_error';
      await this.bus.execute(pairingDecider, stream, { type: 'RedemptionFailed', gatewayId, reason }, asGateway).catch(() => {});
      throw error;
    }
  }

  /**
   * The code's state; a code left redeemed by a redemption whose gateway was never provisioned (the process died
   * in between) is reopened first, once the grace period passed: the gateway id is closed on its own stream
   * (`GatewayProvisioningAbandoned`), then the redemption recorded as failed. A crash between those two is
   * finished here next time (the gateway is then already abandoned).
   */
  private async reopenAbandonedRedemption(stream: string, context: CommandContext): Promise<{ state: PairingState }> {
    const recorded = await this.bus.readStream(stream);
    const state = fold<PairingEvent, PairingState>(pairingDecider, recorded.map(asDomainEvent<PairingEvent>));
    const gatewayId = state.redeemedGatewayId;
    if (state.status !== 'redeemed' || gatewayId === null || state.homeId === null) return { state };
    const gateway = await this.gateways.load(gatewayId);
    if (gateway.lifecycle === 'none') {
      const redeemedAt = lastOccurredAt(recorded, (event) => event.type === 'PairingRedeemed' && event.data.gateway_id === gatewayId);
      const asGateway: CommandContext = { ...context, actor: { kind: 'gateway', id: gatewayId } };
      if (redeemedAt === null) return { state };
      if ((await this.gateways.abandonNeverProvisioned(gatewayId, state.homeId, redeemedAt, asGateway)) === null) return { state };
    } else if (gateway.lifecycle !== 'abandoned') {
      return { state };
    }
    const failed = await this.bus.execute(pairingDecider, stream, { type: 'RedemptionFailed', gatewayId, reason: 'holder_never_written' }, context);
    return { state: failed.state };
  }

  private streamOf(code: string): string {
    return pairingStream(this.digester.digestPairingCode(normalisePairingCode(code)));
  }
}
