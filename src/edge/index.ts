/** The edge-gateway client library: the cloud connection and a simulated home to drive it. */
export { EdgeClient } from './edge-client.ts';
export type { CommandOutcome, EdgeClientOptions, EdgeCommand } from './edge-client-options.ts';
export type {
  EdgeClientErrorSource,
  EdgeClientEvent,
  EdgeClientEventOf,
  EdgeClientStatus,
  StopReason,
} from './edge-client-events.ts';
export {
  EdgeClientStoppedError,
  FrameRejectedError,
  FrameTooLargeError,
  StateReportDroppedError,
} from './edge-errors.ts';
export { DEFAULT_BACKOFF_POLICY, fullJitterDelayMs, type BackoffPolicy } from './backoff.ts';
export { cloudUrls, type GatewayAuthMode } from './gateway-connection-target.ts';
export {
  SimulatedHome,
  type SimulatedHomeOptions,
  type SimulatedHomeStats,
  type StateReporter,
} from './simulated-home.ts';
export { createSimulatedGateway, type SimulatedGateway } from './simulated-gateway.ts';
export {
  applyCommand,
  createSimulatedDevices,
  type SimulatedDevice,
  type SimulatedDeviceKind,
} from './simulated-devices.ts';
