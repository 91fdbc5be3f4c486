import { staffEventDefinitions } from './accounts/staff-events.ts';
import { accountEventDefinitions } from './accounts/user-events.ts';
import { telemetryEventDefinitions } from './bridge/telemetry-events.ts';
import { EventCatalogue } from './event-catalogue.ts';
import { gatewayEventDefinitions } from './gateways/gateway-events.ts';
import { pairingEventDefinitions } from './gateways/pairing-events.ts';
import { homeEventDefinitions } from './homes/home-events.ts';
import { erasureEventDefinitions } from './privacy/erasure-events.ts';
import { projectionRebuildEventDefinitions } from './projections/projection-rebuild-events.ts';
import { remoteCommandEventDefinitions } from './remote-control/remote-command-events.ts';

/** Every event the system writes. A type missing here cannot be appended. */
export const eventCatalogue = new EventCatalogue([
  ...accountEventDefinitions,
  ...staffEventDefinitions,
  ...homeEventDefinitions,
  ...gatewayEventDefinitions,
  ...pairingEventDefinitions,
  ...telemetryEventDefinitions,
  ...remoteCommandEventDefinitions,
  ...erasureEventDefinitions,
  ...projectionRebuildEventDefinitions,
]);
