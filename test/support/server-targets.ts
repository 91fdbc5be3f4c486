/**
 * The stores an integration suite runs the whole server over (with `startTestServer(target)`):
 * - 'pglite' always (events and read models embedded);
 * - 'esdb' always: events through @eventstore/db-client over real gRPC to the in-process EventStoreDB test double
 *   (test/support/esdb-test-server.ts), read models in PGlite;
 * - 'postgres' when TEST_DATABASE_URL is set (CI sets it).
 *
 * Integration suites should use this rather than databaseTargets(), so every feature is exercised on every store:
 *
 *   describe.each(serverTargets())('registration on %s', (target) => { … startTestServer(target) … });
 */
import type { TargetName } from './databases.ts';

/** 'esdb-server': a real EventStoreDB at TEST_EVENTSTORE_URL (npm run test:esdb); suites opt in to it. */
export type ServerTargetName = TargetName | 'esdb' | 'esdb-server';

/** The EventStoreDB targets of the suites that run over a real server too: the double, and TEST_EVENTSTORE_URL. */
export function esdbServerTargets(): Array<'esdb' | 'esdb-server'> {
  return process.env.TEST_EVENTSTORE_URL ? ['esdb', 'esdb-server'] : ['esdb'];
}

export function serverTargets(): ServerTargetName[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'esdb', 'postgres'] : ['pglite', 'esdb'];
}
