import type { Decider } from '../decider.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { holderGraceHasPassed, holderIsReal, holderWithinGrace } from '../holder-grace.ts';
import { requirePermission, type Role } from '../homes/roles.ts';
import type { GatewayEvent } from './gateway-events.ts';
import { gatewayVersionProblem } from './gateway-version.ts';

/** `abandoned`: never provisioned, and closed so that it never will be (see AbandonProvisioning). */
export type GatewayLifecycle = 'none' | 'active' | 'revoked' | 'deleted' | 'abandoned';

export interface GatewayState {
  lifecycle: GatewayLifecycle;
  gatewayId: string | null;
  homeId: string | null;
  name: string;
  secretDigest: string | null;
  /** The gateway software's version it reported when provisioned, if any. */
  version: string | null;
}

/**
 * Commands after provisioning carry the actor's role in the gateway's home, read from the home stream by the
 * handler just before (never from a read model), so the decision here is pure.
 */
export type GatewayCommand =
  | {
      type: 'Provision';
      gatewayId: string;
      homeId: string;
      name: string;
      secretDigest: string;
      via: 'provision' | 'pairing';
      version?: string | undefined;
    }
  | { type: 'Rename'; actorRole: Role | null; name: string }
  | { type: 'RotateSecret'; actorRole: Role | null; secretDigest: string }
  | { type: 'Revoke'; actorRole: Role | null }
  /** Staff revoke any gateway, with a reason; `actorIsStaff` is read from the staff member's own stream. */
  | { type: 'RevokeAsStaff'; actorIsStaff: boolean; reason: string }
  | { type: 'Delete'; actorRole: Role | null }
  /**
   * Closes an id that holds a home's slot or a pairing code since `heldSince` and was never provisioned, once the
   * grace period passed (the caller then frees what it held). Refused while the holder may still be on its way,
   * and for a gateway that exists.
   */
  | { type: 'AbandonProvisioning'; gatewayId: string; homeId: string; heldSince: Date; now: Date; graceMs: number };

export const gatewayNotFound = () => notFound('gateway_not_found', 'No such gateway');

/** A deleted gateway is treated as never having existed. */
function requireExisting(state: GatewayState): { gatewayId: string; homeId: string } {
  if (state.lifecycle !== 'active' && state.lifecycle !== 'revoked') throw gatewayNotFound();
  if (!state.gatewayId || !state.homeId) throw gatewayNotFound();
  return { gatewayId: state.gatewayId, homeId: state.homeId };
}

export const gatewayDecider: Decider<GatewayCommand, GatewayEvent, GatewayState> = {
  initialState: { lifecycle: 'none', gatewayId: null, homeId: null, name: '', secretDigest: null, version: null },

  evolve(state, event) {
    switch (event.type) {
      case 'GatewayProvisioned':
        return {
          lifecycle: 'active',
          gatewayId: event.data.gateway_id,
          homeId: event.data.home_id,
          name: event.data.name,
          secretDigest: event.data.secret_digest,
          version: event.data.version ?? null,
        };
      case 'GatewayRenamed':
        return { ...state, name: event.data.name };
      case 'GatewaySecretRotated':
        return { ...state, secretDigest: event.data.secret_digest };
      case 'GatewayRevoked':
        return { ...state, lifecycle: 'revoked' };
      case 'GatewayDeleted':
        return { ...state, lifecycle: 'deleted' };
      case 'GatewayProvisioningAbandoned':
        return { ...state, lifecycle: 'abandoned' };
    }
  },

  decide(command, state) {
    if (command.type === 'AbandonProvisioning') {
      if (state.lifecycle === 'abandoned') return [];
      if (state.lifecycle !== 'none') throw holderIsReal();
      if (!holderGraceHasPassed(command.heldSince, command.now, command.graceMs)) throw holderWithinGrace();
      return [
        { type: 'GatewayProvisioningAbandoned', data: { gateway_id: command.gatewayId, home_id: command.homeId } },
      ];
    }
    if (command.type === 'Provision') {
      if (state.lifecycle === 'abandoned')
        throw conflict('provisioning_abandoned', 'This provisioning took too long and was given up; try again');
      if (state.lifecycle !== 'none') throw conflict('gateway_exists', 'This gateway is already provisioned');
      const { gatewayId, homeId, name, secretDigest, via, version } = command;
      if (version !== undefined) {
        const problem = gatewayVersionProblem(version);
        if (problem !== null)
          throw invalid('invalid_gateway_version', `The gateway version ${problem}`, { field: 'version' });
      }
      const reported = version === undefined ? {} : { version };
      return [
        {
          type: 'GatewayProvisioned',
          data: { gateway_id: gatewayId, home_id: homeId, name, secret_digest: secretDigest, via, ...reported },
        },
      ];
    }
    const { gatewayId, homeId } = requireExisting(state);
    switch (command.type) {
      case 'Rename':
        requirePermission(command.actorRole, 'gateway.rename', 'gateway_not_found', 'gateway');
        if (command.name === state.name) return [];
        return [
          { type: 'GatewayRenamed', data: { gateway_id: gatewayId, name: command.name, previous_name: state.name } },
        ];
      case 'RotateSecret':
        requirePermission(command.actorRole, 'gateway.rotate_secret', 'gateway_not_found', 'gateway');
        if (state.lifecycle === 'revoked')
          throw conflict('gateway_revoked', 'This gateway is revoked; provision a new one');
        return [{ type: 'GatewaySecretRotated', data: { gateway_id: gatewayId, secret_digest: command.secretDigest } }];
      case 'Revoke':
        requirePermission(command.actorRole, 'gateway.revoke', 'gateway_not_found', 'gateway');
        if (state.lifecycle === 'revoked') return [];
        return [{ type: 'GatewayRevoked', data: { gateway_id: gatewayId, home_id: homeId } }];
      case 'RevokeAsStaff':
        if (!command.actorIsStaff) throw forbidden('staff_only', 'Only staff may do this');
        if (state.lifecycle === 'revoked') return [];
        return [{ type: 'GatewayRevoked', data: { gateway_id: gatewayId, home_id: homeId, reason: command.reason } }];
      case 'Delete':
        requirePermission(command.actorRole, 'gateway.delete', 'gateway_not_found', 'gateway');
        return [{ type: 'GatewayDeleted', data: { gateway_id: gatewayId, home_id: homeId } }];
    }
  },
};

/** May this gateway connect at all? (The bridge also checks its secret.) */
export const canConnect = (state: GatewayState) => state.lifecycle === 'active';
