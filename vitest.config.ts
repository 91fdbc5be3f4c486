import os from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Pure, in-process tests: no database, no socket, no child process. They need no PGlite template (initdb under
 * WASM costs seconds), so `npx vitest run --project unit` answers in about a second. Keep a file here only while it
 * opens nothing: one that starts needing a database belongs to `integration`.
 */
const UNIT = [
  'test/domain/**/*.test.ts',
  'test/bridge/protocol/**/*.test.ts',
  'test/api/log-hygiene-unit.test.ts',
  'test/audit/hash-chain.test.ts',
  'test/audit/redaction.test.ts',
  'test/audit/redaction-catalogue.test.ts',
  'test/bridge/field-report-time.test.ts',
  'test/bridge/gateway-credentials.test.ts',
  'test/bridge/gateway-session.test.ts',
  'test/bridge/handshake-throttle.test.ts',
  'test/bridge/recent-dispatches.test.ts',
  'test/bridge/session-limits.test.ts',
  'test/commands/personal-data-sealer.test.ts',
  'test/commands/secret-digester.test.ts',
  'test/eventstore/append-signal.test.ts',
  'test/eventstore/call-deadline.test.ts',
  'test/eventstore/canonical-json.test.ts',
  'test/eventstore/shared-read.test.ts',
  'test/eventstore/shared-tail.test.ts',
  'test/field-clients/app-gateway-status.test.ts',
  'test/projections/apply-failure.test.ts',
  'test/metrics/metric-labels.test.ts',
  'test/api/openapi-document.test.ts',
  'test/api/openapi-contract-check.test.ts',
  'test/bench/wrk-report.test.ts',
];

// `npm test` (and CI) runs both projects; `--project unit` or `--project integration` runs one.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // vitest's default is one worker fewer than the cores: on CI's 2 cores that is 1, and the suite ran one file at
    // a time while most of a file's time is spent waiting (for a server child, PostgreSQL, a WebSocket). At least
    // two files at a time are safe: every file has its own stores (a PGlite copy, a database of its own, a Redis key
    // prefix), ports are the kernel's (port 0), and a server's pool is at most 20 of PostgreSQL's 300 connections.
    // `--maxWorkers=1` on the command line still runs one file at a time (to read a file's timings undisturbed).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: UNIT,
          // Only these tests open databases: build the PGlite template once for them (test/support/databases.ts).
          globalSetup: ['test/support/global-setup.ts'],
        },
      },
    ],
  },
});
