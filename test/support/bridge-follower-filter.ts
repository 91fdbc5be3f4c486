import type { SubscribeToAllOptions } from '../../src/eventstore/port.ts';

/**
 * Picks the bridge's credential follower among a server's subscriptions: the one that follows credential-ending
 * events and session openings with only a handful of types (the audit projection follows every home event type).
 */
export function isBridgeFollower(options: SubscribeToAllOptions | undefined): boolean {
  const filter = options?.filter;
  if (filter === undefined || !('eventTypes' in filter)) return false;
  // DeviceInventoryRequested tells it from the admin console's fleet feed, which follows revocations and openings too.
  return (
    filter.eventTypes.includes('GatewayRevoked') &&
    filter.eventTypes.includes('BridgeSessionOpened') &&
    filter.eventTypes.includes('DeviceInventoryRequested') &&
    filter.eventTypes.length < 10
  );
}
