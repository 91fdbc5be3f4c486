import { randomUUID } from 'node:crypto';
import { DomainError } from '../../domain/errors.ts';
import { gatewayDecider, type GatewayState } from '../../domain/gateways/gateway.ts';
import { gatewayStream } from '../../domain/gateways/gateway-events.ts';
import type { DetachReason } from '../../domain/homes/home.ts';
import { homeStream } from '../../domain/homes/home-events.ts';
import type { Role } from '../../domain/homes/roles.ts';
import { lastOccurredAt, type HolderGrace } from '../claim-times.ts';
import type { CompensationFailures } from '../compensation-failures.ts';
import type { EventSourcedCommandHandler } from '../event-sourced-command-handler.ts';
import { combineWrites, writeResultOf, type WriteResult } from '../write-result.ts';
import type { HomeCommands } from '../homes/home-commands.ts';
import type { CommandContext } from '../metadata.ts';
import { generateGatewaySecret, type SecretDigester } from './secret-digester.ts';

export const DEFAULT_GATEWAY_NAME = 'Gateway';

export interface ProvisionedGateway {
  gatewayId: string;
  homeId: string;
  name: string;
  /** The gateway software's version it reported, if any. */
  version: string | null;
  /** Plaintext, for the one answer that shows it. Never logged, never stored. */
  secret: string;
  /** When it was provisioned (the time stamped on its event): the answer is built from the write, not a read model. */
  provisionedAt: Date;
  write: WriteResult;
}

export interface ProvisionInput {
  /** Who provisions: becomes the owner of a new home; must be owner or admin of an existing one. */
  actorId: string;
  homeId?: string | undefined;
  name?: string | undefined;
  /** The name of the home when this provisioning creates it (an existing home keeps its own). */
  homeName?: string | undefined;
  /** The gateway software's version, as it reported it (pairing). */
  version?: string | undefined;
  via: 'provision' | 'pairing';
  /** Pairing names the gateway before provisioning it (its redemption event refers to it). */
  gatewayId?: string | undefined;
}

/**
 * Gateway use cases. The home stream holds the "one active gateway" slot and everyone's role; the gateway stream
 * holds its lifecycle and secret digest. Authorisation for a gateway command reads the home stream right before.
 */
export class GatewayCommands {
  constructor(
    private readonly handler: EventSourcedCommandHandler,
    private readonly homes: HomeCommands,
    private readonly digester: SecretDigester,
    private readonly grace: HolderGrace,
    private readonly compensations: CompensationFailures,
  ) {}

  async provision(input: ProvisionInput, context: CommandContext): Promise<ProvisionedGateway> {
    const homeId = input.homeId ?? randomUUID();
    const gatewayId = input.gatewayId ?? randomUUID();
    const name = input.name ?? DEFAULT_GATEWAY_NAME;
    const secret = generateGatewaySecret();
    const attached = await this.attach(homeId, input.actorId, gatewayId, input.homeName, context);
    try {
      const provisioned = await this.handler.execute(
        gatewayDecider,
        gatewayStream(gatewayId),
        {
          type: 'Provision',
          gatewayId,
          homeId,
          name,
          secretDigest: this.digester.digestSecret(secret),
          via: input.via,
          version: input.version,
        },
        context,
      );
      return {
        gatewayId,
        homeId,
        name,
        version: input.version ?? null,
        secret,
        provisionedAt: context.now,
        write: combineWrites(attached, writeResultOf(provisioned)),
      };
    } catch (error) {
      // The gateway was not written: free the home's slot so the home is not blocked forever — only if this call
      // took it (a racing provisioning of the same id may hold it, and its slot is not ours to free).
      if (attached.eventTypes.includes('HomeGatewayAttached')) {
        await this.compensations.attempt('free_gateway_slot', homeStream(homeId), () =>
          this.detach(homeId, gatewayId, 'provisioning_failed', context),
        );
      }
      throw error;
    }
  }

  async rename(gatewayId: string, actorId: string, name: string, context: CommandContext): Promise<WriteResult> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    return writeResultOf(
      await this.handler.execute(
        gatewayDecider,
        gatewayStream(gatewayId),
        { type: 'Rename', actorRole, name },
        context,
      ),
    );
  }

  async rotateSecret(
    gatewayId: string,
    actorId: string,
    context: CommandContext,
  ): Promise<{ secret: string; write: WriteResult }> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    const secret = generateGatewaySecret();
    const result = await this.handler.execute(
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
    const result = await this.handler.execute(
      gatewayDecider,
      gatewayStream(gatewayId),
      { type: 'Revoke', actorRole },
      context,
    );
    const detached = await this.detach(result.state.homeId!, gatewayId, 'revoked', context);
    return combineWrites(writeResultOf(result), detached);
  }

  /**
   * A staff action: any gateway, no home role, a required reason (on the event). `actorIsStaff` is the staff
   * member's standing read from their own stream just before. The bridge's follower kicks the live session.
   */
  async revokeAsStaff(
    gatewayId: string,
    staff: { actorIsStaff: boolean; reason: string },
    context: CommandContext,
  ): Promise<WriteResult> {
    const result = await this.handler.execute(
      gatewayDecider,
      gatewayStream(gatewayId),
      { type: 'RevokeAsStaff', ...staff },
      context,
    );
    if (result.events.length === 0) return writeResultOf(result);
    const detached = await this.detach(result.state.homeId!, gatewayId, 'revoked', context);
    return combineWrites(writeResultOf(result), detached);
  }

  async delete(gatewayId: string, actorId: string, context: CommandContext): Promise<WriteResult> {
    const actorRole = await this.roleFor(gatewayId, actorId);
    const result = await this.handler.execute(
      gatewayDecider,
      gatewayStream(gatewayId),
      { type: 'Delete', actorRole },
      context,
    );
    const detached = await this.detach(result.state.homeId!, gatewayId, 'deleted', context);
    return combineWrites(writeResultOf(result), detached);
  }

  async load(gatewayId: string): Promise<GatewayState> {
    return (await this.handler.load(gatewayDecider, gatewayStream(gatewayId))).state;
  }

  private async roleFor(gatewayId: string, actorId: string): Promise<Role | null> {
    const gateway = await this.load(gatewayId);
    return gateway.homeId === null ? null : this.homes.roleOf(gateway.homeId, actorId);
  }

  /**
   * Takes the home's slot. When it is held by a gateway that is already revoked or deleted (a crash between the
   * two writes of revoke/delete), or by one whose provisioning died before writing it (a crash between slot and
   * gateway, past the grace period), the slot is freed first and taken again.
   */
  private async attach(
    homeId: string,
    actorId: string,
    gatewayId: string,
    homeName: string | undefined,
    context: CommandContext,
  ): Promise<WriteResult> {
    const command = {
      type: 'AttachGateway' as const,
      homeId,
      actorId,
      gatewayId,
      ...(homeName === undefined ? {} : { homeName }),
    };
    try {
      return await this.homes.decide(homeId, command, context);
    } catch (error) {
      const holder =
        error instanceof DomainError && error.code === 'home_has_active_gateway'
          ? String(error.details?.gateway_id)
          : null;
      if (holder === null) throw error;
      const freed = await this.freeLeftoverSlot(homeId, holder, context);
      if (freed === null) throw error;
      return combineWrites(freed, await this.homes.decide(homeId, command, context));
    }
  }

  /** Frees the slot `holder` keeps without being an active gateway; null when the holder is (or may become) one. */
  private async freeLeftoverSlot(homeId: string, holder: string, context: CommandContext): Promise<WriteResult | null> {
    const state = await this.load(holder);
    let reason: DetachReason;
    let closed: WriteResult | null = null;
    if (state.lifecycle === 'revoked' || state.lifecycle === 'deleted') reason = state.lifecycle;
    else if (state.lifecycle === 'abandoned') reason = 'holder_never_written';
    else if (state.lifecycle === 'active') return null;
    else {
      const homeEvents = await this.handler.readStream(homeStream(homeId));
      const heldSince = lastOccurredAt(
        homeEvents,
        (e) => e.type === 'HomeGatewayAttached' && e.data.gateway_id === holder,
      );
      closed = heldSince === null ? null : await this.abandonNeverProvisioned(holder, homeId, heldSince, context);
      if (closed === null) return null;
      reason = 'holder_never_written';
    }
    return combineWrites(...(closed ? [closed] : []), await this.detach(homeId, holder, reason, context));
  }

  /**
   * Closes a gateway id that holds something (a home's slot, a pairing code) since `heldSince` and was never
   * provisioned, once the grace period passed: decided on the gateway's own stream (appended only while it has no
   * events, so a provisioning still on its way fails instead of landing after its slot was freed). Null when
   * the holder exists or may still be on its way.
   */
  async abandonNeverProvisioned(
    gatewayId: string,
    homeId: string,
    heldSince: Date,
    context: CommandContext,
  ): Promise<WriteResult | null> {
    try {
      const command = {
        type: 'AbandonProvisioning' as const,
        gatewayId,
        homeId,
        heldSince,
        now: this.grace.clock(),
        graceMs: this.grace.graceMs,
      };
      return writeResultOf(await this.handler.execute(gatewayDecider, gatewayStream(gatewayId), command, context));
    } catch (error) {
      if (error instanceof DomainError) return null;
      throw error;
    }
  }

  private detach(
    homeId: string,
    gatewayId: string,
    reason: DetachReason,
    context: CommandContext,
  ): Promise<WriteResult> {
    return this.homes.decide(homeId, { type: 'DetachGateway', gatewayId, reason }, context);
  }
}
