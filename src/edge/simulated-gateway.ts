import { EdgeClient } from './edge-client.ts';
import type { EdgeClientOptions } from './edge-client-options.ts';
import { SimulatedHome, type SimulatedHomeOptions } from './simulated-home.ts';

export interface SimulatedGateway {
  home: SimulatedHome;
  client: EdgeClient;
  /** Connects, and starts sensor readings if configured. */
  start(): void;
  close(): Promise<void>;
}

/** A simulated home wired to an EdgeClient: what `smarthome-cloud simulate` and the benchmarks run. */
export function createSimulatedGateway(
  clientOptions: Omit<EdgeClientOptions, 'onCommand' | 'snapshot'>,
  homeOptions: SimulatedHomeOptions,
): SimulatedGateway {
  const home = new SimulatedHome(homeOptions);
  const client = new EdgeClient({ ...clientOptions, onCommand: home.handleCommand, snapshot: home.snapshot });
  home.attach(client);
  return {
    home,
    client,
    start() {
      client.start();
      home.startSensorReadings();
    },
    async close() {
      home.stop();
      await client.close();
    },
  };
}
