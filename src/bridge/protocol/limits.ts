import { DEFAULT_JSON_BOUNDS, type JsonBounds } from '../../domain/values/json-bounds.ts';

/** Largest frame (UTF-8 bytes of the JSON text) either side accepts unless configured otherwise. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;

/** Request ids are UUIDs in practice; the bound keeps a hostile gateway from using them as a payload. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Device ids come from the edge's own registry (MQTT topics, entity ids); bounded for the same reason. */
export const MAX_DEVICE_ID_LENGTH = 256;

/** Depth, size and string bounds of a frame's JSON, checked right after parsing (depth 32 as for every client JSON). */
export const FRAME_JSON_BOUNDS: JsonBounds = DEFAULT_JSON_BOUNDS;

/**
 * What the edge accepts from the cloud: a `command` wraps a client's `params` (bounded at depth 32 by the API) in
 * a few levels of frame, so the edge allows those few levels more.
 */
export const CLOUD_FRAME_JSON_BOUNDS: JsonBounds = {
  ...DEFAULT_JSON_BOUNDS,
  maxDepth: DEFAULT_JSON_BOUNDS.maxDepth + 8,
};

/**
 * Latest wire time accepted: 9999-12-31T23:59:59Z, the last instant an ISO-8601 four-digit year can write (the
 * legacy dialect's format), far inside what a JavaScript Date holds (8.64e12 s). Anything later is no time at all.
 */
export const MAX_WIRE_UNIX_SECONDS = 253_402_300_799;

/** Bound on a welcome's heartbeat interval (a day): a number, not a wish. */
export const MAX_HEARTBEAT_INTERVAL_S = 86_400;
