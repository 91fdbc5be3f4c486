import type { Decider } from '../decider.ts';
import { conflict, invalid } from '../errors.ts';
import type { PairingEvent } from './pairing-events.ts';

export interface PairingState {
  status: 'none' | 'open' | 'redeemed' | 'expired';
  /** The home the code is for: the request's, or while redeemed the one the redemption named. */
  homeId: string | null;
  /** The home the request named (null: any, a new one): what a failed redemption goes back to. */
  requestedHomeId: string | null;
  /** While redeemed: the gateway being provisioned with the code. */
  redeemedGatewayId: string | null;
  name: string | null;
  /** The name the new home gets (a code for no existing home), when the request gave one. */
  homeName: string | null;
  requestedBy: string | null;
  expiresAt: string | null;
}

export type PairingCommand =
  | {
      type: 'Request';
      homeId: string | null;
      name: string | null;
      homeName?: string;
      requestedBy: string;
      expiresAt: Date;
    }
  /** `homeId`: the home the gateway says it is (must agree with the request's, when the request named one). */
  | { type: 'Redeem'; gatewayId: string; homeId: string; now: Date }
  | { type: 'RedemptionFailed'; gatewayId: string; reason: string };

const invalidCode = (reason: 'unknown' | 'used' | 'expired') =>
  invalid(
    `pairing_code_${reason === 'unknown' ? 'invalid' : reason}`,
    `The pairing code is ${reason === 'unknown' ? 'not valid' : reason}`,
    {
      reason,
    },
  );

export const isPairingExpiry = (events: readonly PairingEvent[]) =>
  events.some((event) => event.type === 'PairingExpired');

export const pairingDecider: Decider<PairingCommand, PairingEvent, PairingState> = {
  initialState: {
    status: 'none',
    homeId: null,
    requestedHomeId: null,
    redeemedGatewayId: null,
    name: null,
    homeName: null,
    requestedBy: null,
    expiresAt: null,
  },

  evolve(state, event) {
    switch (event.type) {
      case 'PairingRequested':
        return {
          status: 'open',
          homeId: event.data.home_id,
          requestedHomeId: event.data.home_id,
          redeemedGatewayId: null,
          name: event.data.name,
          homeName: event.data.home_name ?? null,
          requestedBy: event.data.requested_by,
          expiresAt: event.data.expires_at,
        };
      case 'PairingRedeemed':
        return { ...state, status: 'redeemed', homeId: event.data.home_id, redeemedGatewayId: event.data.gateway_id };
      case 'PairingRedemptionFailed':
        // Exactly as usable as before the redemption: not bound to the home the failed redeemer named.
        return state.status === 'redeemed'
          ? { ...state, status: 'open', homeId: state.requestedHomeId, redeemedGatewayId: null }
          : state;
      case 'PairingExpired':
        return { ...state, status: 'expired' };
    }
  },

  decide(command, state) {
    switch (command.type) {
      case 'Request':
        // A fresh code landing on a live stream: astronomically unlikely; the handler draws another code.
        if (state.status !== 'none') throw conflict('pairing_code_collision', 'This pairing code is taken');
        if (command.homeName !== undefined && command.homeId !== null) {
          throw invalid('home_name_for_existing_home', 'home_name names a new home; an existing home keeps its name');
        }
        return [
          {
            type: 'PairingRequested',
            data: {
              home_id: command.homeId,
              name: command.name,
              ...(command.homeName === undefined ? {} : { home_name: command.homeName }),
              requested_by: command.requestedBy,
              expires_at: command.expiresAt.toISOString(),
            },
          },
        ];
      case 'Redeem': {
        if (state.status === 'none') throw invalidCode('unknown');
        if (state.status === 'redeemed') throw invalidCode('used');
        if (state.status === 'expired') throw invalidCode('expired');
        // Expiry is recorded when an expired code is presented; the handler then answers "expired".
        if (command.now.getTime() >= Date.parse(state.expiresAt!)) {
          return [{ type: 'PairingExpired', data: { expired_at: state.expiresAt! } }];
        }
        if (state.homeId !== null && state.homeId !== command.homeId) {
          throw invalid('pairing_home_mismatch', 'This code was issued for another home', { reason: 'home_mismatch' });
        }
        return [{ type: 'PairingRedeemed', data: { gateway_id: command.gatewayId, home_id: command.homeId } }];
      }
      case 'RedemptionFailed':
        if (state.status !== 'redeemed' || state.redeemedGatewayId !== command.gatewayId) return [];
        return [{ type: 'PairingRedemptionFailed', data: { gateway_id: command.gatewayId, reason: command.reason } }];
    }
  },
};

export const pairingCodeExpired = () => invalidCode('expired');

/** May the code still be redeemed at `now`? Read only: an expired code is not recorded as expired here. */
export const isRedeemable = (state: PairingState, now: Date) =>
  state.status === 'open' && state.expiresAt !== null && now.getTime() < Date.parse(state.expiresAt);
