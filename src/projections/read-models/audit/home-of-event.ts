import type { RecordedEvent } from '../../../eventstore/port.ts';

/** The homes already known for streams (from this projection's own mapping table and the page so far). */
export type StreamHomes = ReadonlyMap<string, string>;

export interface HomeResolution {
  /** The home the event belongs to, or null while its stream's home is not known yet (a pairing for a new home). */
  homeId: string | null;
  /** A stream whose home this event reveals for the first time (recorded, and its parked events filed). */
  learns: { stream: string; homeId: string } | null;
}

/**
 * Which home an event is about, from the event and the projection's own stream → home mapping (never another
 * projection's tables: read models are rebuilt independently):
 * 1. `home_id` in its data (home, gateway provisioning/revocation, telemetry, remote commands, a redeemed pairing);
 * 2. else its stream's home, learnt from an earlier event of the stream that named one (`gateway-<id>` from
 *    GatewayProvisioned: renames and secret rotations; `remote_command-<id>` from RemoteCommandIssued;
 *    `pairing-<digest>` from the request or the redemption: expiry, failed redemptions);
 * 3. else the home of the gateway (`gateway-<gateway_id>`) or remote command (`remote_command-<command_id>`) its
 *    data names, for events in other streams.
 * Streams named `home-…` need no mapping (every home event carries `home_id`).
 */
export function homeOfEvent(event: RecordedEvent, known: StreamHomes): HomeResolution {
  const data = event.data as Record<string, unknown>;
  const named = typeof data.home_id === 'string' ? data.home_id : null;
  if (named !== null) {
    const learns =
      !event.streamName.startsWith('home-') && !known.has(event.streamName)
        ? { stream: event.streamName, homeId: named }
        : null;
    return { homeId: named, learns };
  }
  const byStream = known.get(event.streamName);
  if (byStream !== undefined) return { homeId: byStream, learns: null };
  for (const stream of relatedStreams(event)) {
    const home = known.get(stream);
    if (home !== undefined) return { homeId: home, learns: null };
  }
  return { homeId: null, learns: null };
}

/** Streams whose home says where an event belongs when its own stream does not: its gateway's, its command's. */
export function relatedStreams(event: RecordedEvent): string[] {
  const data = event.data as Record<string, unknown>;
  const streams: string[] = [];
  if (typeof data.gateway_id === 'string') streams.push(`gateway-${data.gateway_id}`);
  if (typeof data.command_id === 'string') streams.push(`remote_command-${data.command_id}`);
  return streams;
}
