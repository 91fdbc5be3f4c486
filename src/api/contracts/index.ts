/**
 * Every operation of the API, by capability. A new route adds its operation to its capability's contract (or a new
 * `<capability>-contract.ts` listed here); the tests fail while a router route is missing from this list.
 */
import type { Operation } from '../openapi/operation.ts';
import { adminOperations } from './admin-contract.ts';
import { appOperations } from './app-contract.ts';
import { auditOperations } from './audit-contract.ts';
import { authOperations } from './auth-contract.ts';
import { deviceSyncOperations } from './device-sync-contract.ts';
import { gatewayOperations } from './gateway-contract.ts';
import { homeOperations } from './home-contract.ts';
import { leavingOperations } from './leaving-contract.ts';
import { pairingOperations } from './pairing-contract.ts';
import { remoteCommandOperations } from './remote-command-contract.ts';
import { systemOperations } from './system-contract.ts';
import { telemetryOperations } from './telemetry-contract.ts';

export const apiOperations: readonly Operation[] = [
  ...systemOperations,
  ...authOperations,
  ...pairingOperations,
  ...gatewayOperations,
  ...homeOperations,
  ...leavingOperations,
  ...telemetryOperations,
  ...deviceSyncOperations,
  ...remoteCommandOperations,
  ...auditOperations,
  ...appOperations,
  ...adminOperations,
];
