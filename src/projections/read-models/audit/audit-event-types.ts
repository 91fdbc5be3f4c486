import { telemetryEventDefinitions } from '../../../domain/bridge/telemetry-events.ts';
import { gatewayEventDefinitions } from '../../../domain/gateways/gateway-events.ts';
import { pairingEventDefinitions } from '../../../domain/gateways/pairing-events.ts';
import { homeEventDefinitions } from '../../../domain/homes/home-events.ts';
import { erasureEventDefinitions } from '../../../domain/privacy/erasure-events.ts';
import { remoteCommandEventDefinitions } from '../../../domain/remote-control/remote-command-events.ts';

/**
 * The event types a home's audit history is made of: the home and its permissions, its gateways' lifecycle,
 * pairing, bridge telemetry and remote commands. Account events (registration, logins, e-mail claims) are about a
 * person, not a home, and stay out. Taken from the catalogue's capability lists, so a new event of one of these
 * capabilities joins the history without a change here; a new capability must be added (a test walks the
 * catalogue and fails on a type that is in neither list).
 */
export const AUDITED_EVENT_TYPES: readonly string[] = [
  ...homeEventDefinitions,
  ...gatewayEventDefinitions,
  ...pairingEventDefinitions,
  ...telemetryEventDefinitions,
  ...remoteCommandEventDefinitions,
  // A deleted home's erasure (its account counterpart, on a user stream, is left out by the projection).
  ...erasureEventDefinitions,
].map((definition) => definition.type);
