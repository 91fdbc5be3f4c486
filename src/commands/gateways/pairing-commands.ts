import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors.ts';
import { fold } from '../../domain/decider.ts';
import {
  isPairingExpiry,
  isRedeemable,
  pairingCodeExpired,
  pairingDecider,
  type PairingState,
} from '../../domain/gateways/pairing.ts';
import { conflict } from '../../domain/errors.ts';
import { pairingStream, type PairingEvent } from '../../domain/gateways/pairing-events.ts';
import { roleIn } from '../../domain/homes/home.ts';
import { requirePermission } from '../../domain/homes/roles.ts';
import { asDomainEvent, lastOccurredAt } from '../claim-times.ts';
import type { CompensationFailures } from '../compensation-failures.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import { combineWrites, writeResultOf, type WriteResult } from '../write-result.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import type { GatewayCommands, ProvisionedGateway } from './gateway-commands.ts';
import { generatePairingCode, normalisePairingCode, type SecretDigester } from './secret-digester.ts';

export interface PairingRequest {
  /** An existing home (owner or admin only); absent: the redemption creates a home. */
  homeId?: string | undefined;
  /** The gateway's name. */
  name?: string | undefined;
  /** The new home's name (only without `homeId`). */
  homeName?: string | undefined;
  /** How long the code lives; absent: the configured PAIRING_CODE_TTL_S. */
  ttlMs?: number | undefined;
}

export interface PairingRedemption {
  code: string;
  /** The home the gateway says it is (must agree with the request's, when that named one). */
  homeId?: string | undefined;
  name?: string | undefined;
  /** The id the gateway chose for itself (the field edge's `gateway_uuid`); absent: one is drawn. */
  gatewayId?: string | undefined;
  /** The gateway software's version, recorded on the gateway. */
  version?: string | undefined;
}

const gatewayIdTaken = () =>
  conflict('gateway_id_taken', 'This gateway id is already used; pair with another gateway_uuid', {
    field: 'gateway_uuid',
  });

export interface PairingOptions {
  ttlMs: number;
  /** Injected so tests can move time instead of sleeping. */
  clock: () => Date;
}

/** What the gateway decider answers when the id was provisioned (or closed) by someone else. */
const PROVISIONED_ELSEWHERE = new Set(['gateway_exists', 'provisioning_abandoned']);

/**
 * Pairing: a person asks for a short code, the gateway redeems it without a user token and receives its secret
 * directly, so the secret never passes through the phone.
 */
export class PairingCommands {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly homes: HomeCommands,
    private readonly gateways: GatewayCommands,
    private readonly digester: SecretDigester,
    private readonly options: PairingOptions,
    private readonly compensations: CompensationFailures,
  ) {}

  async request(
    actorId: string,
    input: PairingRequest,
    context: CommandContext,
  ): Promise<{ code: string; expiresAt: Date; ttlMs: number; write: WriteResult }> {
    if (input.homeId !== undefined) {
      const home = await this.homes.load(input.homeId);
      // Anyone may pair a gateway for a new home; an existing one needs its owner or an admin.
      if (home.homeId !== null) requirePermission(roleIn(home, actorId), 'gateway.provision', 'home_not_found', 'home');
    }
    const ttlMs = input.ttlMs ?? this.options.ttlMs;
    const expiresAt = new Date(this.options.clock().getTime() + ttlMs);
    for (let attempt = 1; ; attempt++) {
      const code = generatePairingCode();
      try {
        const result = await this.handler.execute(
          pairingDecider,
          this.streamOf(code),
          {
            type: 'Request',
            homeId: input.homeId ?? null,
            name: input.name ?? null,
            ...(input.homeName === undefined ? {} : { homeName: input.homeName }),
            requestedBy: actorId,
            expiresAt,
          },
          context,
        );
        return { code, expiresAt, ttlMs, write: writeResultOf(result) };
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'pairing_code_collision') || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Redeems a code (single use, decided on its stream) and provisions on behalf of whoever asked for it. A
   * gateway-chosen id must be unused: checked before anything is written (409 `gateway_id_taken`), and decided
   * by the gateway's own stream, which provisioning appends to only while it has no events (a race lost there
   * frees the slot and reopens the code, as any failed provisioning does).
   */
  async complete(input: PairingRedemption, context: CommandContext): Promise<ProvisionedGateway> {
    const stream = this.streamOf(input.code);
    const pending = await this.reopenAbandonedRedemption(stream, context);
    const gatewayId = input.gatewayId ?? randomUUID();
    if (input.gatewayId !== undefined && (await this.gateways.load(gatewayId)).lifecycle !== 'none')
      throw gatewayIdTaken();
    const homeId = input.homeId ?? pending.state.homeId ?? randomUUID();
    const asGateway: CommandContext = { ...context, actor: { kind: 'gateway', id: gatewayId } };
    const redeemed = await this.handler.execute(
      pairingDecider,
      stream,
      { type: 'Redeem', gatewayId, homeId, now: this.options.clock() },
      asGateway,
    );
    if (isPairingExpiry(redeemed.events)) throw pairingCodeExpired();

    const requestedBy = redeemed.state.requestedBy!;
    const onBehalf: CommandContext = { ...asGateway, onBehalfOf: { kind: 'user', id: requestedBy } };
    try {
      const provisioned = await this.gateways.provision(
        {
          actorId: requestedBy,
          homeId,
          name: redeemed.state.name ?? input.name,
          homeName: redeemed.state.homeName ?? undefined,
          version: input.version,
          via: 'pairing',
          gatewayId,
        },
        onBehalf,
      );
      return { ...provisioned, write: combineWrites(writeResultOf(redeemed), provisioned.write) };
    } catch (error) {
      // Nothing was provisioned: the code stays usable until it expires.
      const reason = error instanceof DomainError ? error.code : 'internal_error';
      await this.compensations.attempt('return_pairing_code', stream, () =>
        this.handler.execute(pairingDecider, stream, { type: 'RedemptionFailed', gatewayId, reason }, asGateway),
      );
      // Someone else provisioned this gateway-chosen id between the check above and the append.
      if (input.gatewayId !== undefined && error instanceof DomainError && PROVISIONED_ELSEWHERE.has(error.code))
        throw gatewayIdTaken();
      throw error;
    }
  }

  /**
   * Is the code redeemable now? Read from its own stream (the authority on single use: a read model could still
   * call a code valid that was just used), never written: checking neither consumes the code nor records expiry.
   */
  async isValid(code: string): Promise<boolean> {
    const { state } = await this.handler.load(pairingDecider, this.streamOf(code));
    return isRedeemable(state, this.options.clock());
  }

  /**
   * The code's state; a code left redeemed by a redemption whose gateway was never provisioned (the process died
   * in between) is reopened first, once the grace period passed: the gateway id is closed on its own stream
   * (`GatewayProvisioningAbandoned`), then the redemption recorded as failed. A crash between those two is
   * finished here next time (the gateway is then already abandoned).
   */
  private async reopenAbandonedRedemption(stream: string, context: CommandContext): Promise<{ state: PairingState }> {
    const recorded = await this.handler.readStream(stream);
    const state = fold<PairingEvent, PairingState>(pairingDecider, recorded.map(asDomainEvent<PairingEvent>));
    const gatewayId = state.redeemedGatewayId;
    if (state.status !== 'redeemed' || gatewayId === null || state.homeId === null) return { state };
    const gateway = await this.gateways.load(gatewayId);
    if (gateway.lifecycle === 'none') {
      const redeemedAt = lastOccurredAt(
        recorded,
        (event) => event.type === 'PairingRedeemed' && event.data.gateway_id === gatewayId,
      );
      const asGateway: CommandContext = { ...context, actor: { kind: 'gateway', id: gatewayId } };
      if (redeemedAt === null) return { state };
      if ((await this.gateways.abandonNeverProvisioned(gatewayId, state.homeId, redeemedAt, asGateway)) === null)
        return { state };
    } else if (gateway.lifecycle !== 'abandoned') {
      return { state };
    }
    const failed = await this.handler.execute(
      pairingDecider,
      stream,
      { type: 'RedemptionFailed', gatewayId, reason: 'holder_never_written' },
      context,
    );
    return { state: failed.state };
  }

  private streamOf(code: string): string {
    return pairingStream(this.digester.digestPairingCode(normalisePairingCode(code)));
  }
}
