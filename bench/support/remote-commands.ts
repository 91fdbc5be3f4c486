import { firstValueFrom } from 'rxjs';
import { createSimulatedGateway, type SimulatedGateway } from '../../src/edge/index.ts';
import { percentile, postJson } from './bench-server.ts';

/** One owner's gateways, each with a simulated home connected to the bridge from this process. */
export interface Fleet {
  token: string;
  gatewayIds: string[];
  edges: SimulatedGateway[];
  close(): Promise<void>;
}

/** Registers an owner at `url`, provisions `count` gateways one after the other and connects an edge to each. */
export async function setUpFleet(url: string, count: number): Promise<Fleet> {
  const registered = await postJson(`${url}/api/auth/register`, {
    email: 'bench@example.com',
    password: 'benchmark password',
  });
  if (registered.status !== 201) throw new Error(`register ${registered.status}: ${JSON.stringify(registered.body)}`);
  const token = registered.body.access as string;
  const fleet: Fleet = {
    token,
    gatewayIds: [],
    edges: [],
    close: () => Promise.all(fleet.edges.map((edge) => edge.close())).then(() => undefined),
  };
  try {
    for (let i = 0; i < count; i++) {
      const provisioned = await postJson(`${url}/api/gateways/provision`, { name: `Gateway ${i}` }, token);
      if (provisioned.status !== 201) throw new Error(`provision ${provisioned.status}`);
      fleet.gatewayIds.push(provisioned.body.id);
      const edge = createSimulatedGateway(
        { url: url.replace(/^http/, 'ws'), gatewayId: provisioned.body.id, secret: provisioned.body.secret },
        { deviceCount: 3 },
      );
      fleet.edges.push(edge);
      const connected = firstValueFrom(edge.client.eventsOfType('connected'));
      edge.start();
      await connected;
    }
    return fleet;
  } catch (error) {
    await fleet.close();
    throw error;
  }
}

export interface CommandRun {
  p50: number;
  p99: number;
  rate: number;
  /** Commands answered. */
  commands: number;
  /** Statements per command on the counter given, or null without one. */
  statementsPerCommand: number | null;
}

/**
 * `concurrency` clients, each sending one command after the other (`POST …/commands/`, answered once the edge
 * acked it) to random gateways of the fleet for `seconds`; `statements` reads a running statement count.
 */
export async function runCommands(
  restUrl: string,
  fleet: Pick<Fleet, 'token' | 'gatewayIds'>,
  concurrency: number,
  seconds: number,
  statements: (() => number) | null,
): Promise<CommandRun> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  const statementsBefore = statements?.() ?? 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const gatewayId = fleet.gatewayIds[Math.floor(Math.random() * fleet.gatewayIds.length)]!;
        const t0 = performance.now();
        const answer = await postJson(
          `${restUrl}/api/gateways/${gatewayId}/commands/`,
          { device_id: 'light-1', action: 'turn_on' },
          fleet.token,
        );
        if (answer.status !== 200 || answer.body.status !== 'succeeded')
          throw new Error(`command: ${answer.status} ${JSON.stringify(answer.body)}`);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rate: latencies.length / ((performance.now() - started) / 1000),
    commands: latencies.length,
    statementsPerCommand: statements ? (statements() - statementsBefore) / latencies.length : null,
  };
}
