/** Checks a gateway's id and secret on its own stream; null for unknown, revoked, deleted or a wrong secret. */
export type GatewayAuthenticator = (gatewayId: string, secret: string) => Promise<{ gatewayId: string; homeId: string } | null>;
