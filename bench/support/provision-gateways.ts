import { randomUUID } from 'node:crypto';
import { CommandBus } from '../../src/commands/command-bus.ts';
import { systemContext } from '../../src/commands/metadata.ts';
import { SecretDigester, generateGatewaySecret } from '../../src/commands/gateways/secret-digester.ts';
import { eventCatalogue } from '../../src/domain/catalogue.ts';
import { gatewayStream } from '../../src/domain/gateways/gateway-events.ts';
import type { EventStore } from '../../src/eventstore/port.ts';
import type { BenchGateway } from './bridge-clients.ts';

/**
 * Cheap set-up for thousands of gateways: one `GatewayProvisioned` per gateway, appended through the command
 * bus (catalogue validation, metadata, hash chain) with `no_stream`, many at once. No user, no home stream, no
 * scrypt: the bridge's handshake reads only the gateway's own stream (`GatewayAuthenticator`), so the REST path
 * (register, home slot, provisioning; ~4 appends and a password hash per gateway) would only slow the set-up.
 * The digest is made with the server's key (`GATEWAY_SECRET_KEY` of the bench server), as provisioning would.
 */
export async function provisionGateways(
  store: EventStore,
  gatewaySecretKey: string,
  count: number,
  concurrency = 32,
): Promise<BenchGateway[]> {
  const bus = new CommandBus(store, eventCatalogue);
  const digester = SecretDigester.fromConfig(gatewaySecretKey, gatewaySecretKey);
  const gateways: BenchGateway[] = Array.from({ length: count }, () => ({ id: randomUUID(), secret: generateGatewaySecret() }));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      for (let i = next++; i < count; i = next++) {
        const gateway = gateways[i]!;
        await bus.append(
          gatewayStream(gateway.id),
          [
            {
              type: 'GatewayProvisioned',
              data: {
                gateway_id: gateway.id,
                home_id: randomUUID(),
                name: `Bench gateway ${i}`,
                secret_digest: digester.digestSecret(gateway.secret),
                via: 'provision',
              },
            },
          ],
          'no_stream',
          systemContext('bench-provision', { nodeId: 'bench' }),
        );
      }
    }),
  );
  return gateways;
}
