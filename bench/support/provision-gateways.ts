import { randomUUID } from 'node:crypto';
import { ChainedAppends } from '../../src/commands/chained-appends.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { NO_STREAM } from '../../src/commands/stream-tip.ts';
import { SecretDigester, generateGatewaySecret } from '../../src/commands/gateways/secret-digester.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { gatewayStream } from '../../src/domain/gateways/gateway-events.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import type { BenchGateway } from './bridge-clients.ts';

/**
 * Cheap set-up for thousands of gateways: one `GatewayProvisioned` per gateway, appended through ChainedAppends
 * (catalogue validation, metadata, hash chain) after no stream, many at once. No user, no home stream, no scrypt:
 * the bridge's handshake reads only the gateway's own stream (`GatewayAuthenticator`), so the REST path (register,
 * home slot, provisioning; ~4 appends and a password hash per gateway) would only slow the set-up. The digest is
 * made with the server's key (`GATEWAY_SECRET_KEY` of the bench server), as provisioning would.
 */
export async function provisionGateways(
  store: EventStore,
  gatewaySecretKey: string,
  count: number,
  concurrency = 32,
): Promise<BenchGateway[]> {
  const appends = new ChainedAppends(store, eventCatalogue);
  const digester = SecretDigester.fromConfig(gatewaySecretKey, gatewaySecretKey);
  const gateways: BenchGateway[] = Array.from({ length: count }, () => ({
    id: randomUUID(),
    secret: generateGatewaySecret(),
  }));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const gateway = gateways[i]!;
        const context = systemContext('bench-provision', { nodeId: 'bench' });
        await appends.appendAfter(
          gatewayStream(gateway.id),
          [
            {
              context,
              event: {
                type: 'GatewayProvisioned',
                data: {
                  gateway_id: gateway.id,
                  home_id: randomUUID(),
                  name: `Bench gateway ${i}`,
                  secret_digest: digester.digestSecret(gateway.secret),
                  via: 'provision',
                },
              },
            },
          ],
          NO_STREAM,
        );
      }
    }),
  );
  return gateways;
}
