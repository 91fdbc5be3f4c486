/**
 * Where the EventStoreDB adapter tests run: always on the in-process test double, and also on a real server
 * when TEST_EVENTSTORE_URL is set (e.g. esdb://localhost:2113?tls=false after `docker compose up -d eventstore`).
 */
import { EsdbTestServer, type EsdbTestServerOptions } from './esdb-test-server.ts';

export interface EsdbTarget {
  name: string;
  /** The in-process double (tests can steer it: faults, drops, restarts), or a real server (they cannot). */
  isDouble: boolean;
  /** Starts (or connects to) the server; `double` is set only for the test double, which tests can steer. */
  start(): Promise<{ url: string; double: EsdbTestServer | null; stop(): Promise<void> }>;
}

function doubleTarget(name: string, options: EsdbTestServerOptions): EsdbTarget {
  return {
    name,
    isDouble: true,
    async start() {
      const double = await EsdbTestServer.start(options);
      return { url: double.url, double, stop: () => double.stop() };
    },
  };
}

export function esdbTargets(options: { includeLegacyAppend?: boolean } = {}): EsdbTarget[] {
  const targets = [doubleTarget('test double', {})];
  if (options.includeLegacyAppend)
    targets.push(doubleTarget('test double without BatchAppend', { batchAppend: false }));
  const url = process.env['TEST_EVENTSTORE_URL'];
  if (url)
    targets.push({
      name: `EventStoreDB at ${url}`,
      isDouble: false,
      start: async () => ({ url, double: null, stop: async () => {} }),
    });
  return targets;
}
