/**
 * Checks a gateway's id and secret on its own stream; null for unknown, revoked, deleted or a wrong secret.
 * `revision` is the gateway stream's revision the check was decided on.
 */
export type GatewayAuthenticator = (
  gatewayId: string,
  secret: string,
) => Promise<{ gatewayId: string; homeId: string; revision: number } | null>;
