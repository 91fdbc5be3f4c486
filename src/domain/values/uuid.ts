/**
 * A UUID in its canonical text form (8-4-4-4-12 hex digits, either case), any version. Used where an id from
 * outside (a URL path, a handshake, an ack's request_id) is checked before it is looked up.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}
