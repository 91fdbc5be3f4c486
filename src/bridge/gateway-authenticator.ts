/**
 * Checks a gateway's id and secret on its own stream; null for unknown, revoked, deleted or a wrong secret.
 * `revision` is the gateway stream's revision the check was decided on; `cached` says the answer came from the
 * bridge's cached view rather than a read of the stream (credential-cache.ts).
 */
export type GatewayAuthenticator = (
  gatewayId: string,
  secret: string,
) => Promise<{ gatewayId: string; homeId: string; revision: number; cached?: boolean } | null>;
