/** Largest frame (UTF-8 bytes of the JSON text) either side accepts unless configured otherwise. */
export const DEFAULT_MAX_FRAME_BYTES = 256 * 1024;

/** Request ids are UUIDs in practice; the bound keeps a hostile gateway from using them as a payload. */
export const MAX_REQUEST_ID_LENGTH = 128;

/** Device ids come from the edge's own registry (MQTT topics, entity ids); bounded for the same reason. */
export const MAX_DEVICE_ID_LENGTH = 256;
