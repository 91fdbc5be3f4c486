import { accountEventDefinitions } from './accounts/user-events.ts';
import { telemetryEventDefinitions } from './bridge/telemetry-events.ts';
import { EventCatalogue } from './event-catalogue.ts';

/** Every event the system writes. A type missing here cannot be appended. */
export const eventCatalogue = new EventCatalogue([...accountEventDefinitions, ...telemetryEventDefinitions]);
