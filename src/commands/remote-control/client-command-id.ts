import { createHash } from 'node:crypto';

/**
 * The command id a client chose (`command_id`, its idempotency key) names a stream only within its issuer: the
 * stream id is a UUID derived from (issuer, client id). Two users who pick the same id never meet on one stream,
 * so a used id answers nothing about other homes (a shared namespace answered 409 for an id used elsewhere — an
 * existence oracle), while the same user sending the same id again still reaches the same command.
 *
 * The derived id is a version-8 (RFC 9562, custom) UUID: 122 bits of SHA-256, never equal to a random (v4) id.
 */
export function clientScopedCommandId(issuerId: string, clientCommandId: string): string {
  const digest = createHash('sha256')
    .update(`remote-command-id:v1:${issuerId.toLowerCase()}:${clientCommandId.toLowerCase()}`)
    .digest();
  const bytes = Buffer.from(digest.subarray(0, 16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x80; // version 8
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
