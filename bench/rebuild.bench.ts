/**
 * Rebuild rate of the read models, in events/s, for a realistic account mix (registrations with e-mail claims,
 * logins, token rotations, profile updates, e-mail changes) written straight through the event-store port.
 *
 *   npm run bench:rebuild                       # PGlite, BENCH_PGLITE_EVENTS (default 100,000) events
 *   BENCH_DATABASE_URL=postgres://… npm run bench:rebuild   # also a Postgres server, BENCH_EVENTS (1,000,000)
 *
 * On the server a fresh database is created and dropped. Rates count every event in the log; the projection
 * reads only the types it handles (`applied`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectDatabase, type Database } from '../src/database/connect.ts';
import { openPostgresEventStore } from '../src/eventstore/open-event-store.ts';
import { createLogger } from '../src/logger.ts';
import { ProjectionSet } from '../src/projections/projection-set.ts';
import { usersProjection } from '../src/projections/read-models/users-projection.ts';
import { rebuildProjection } from '../src/projections/rebuild.ts';
import { seedAccounts } from '../test/support/account-event-mix.ts';

const logger = createLogger('silent');
// An active account over time: 1 claim + registration, 8 logins, 25 token rotations, 5 profile updates, 1 e-mail change.
const SHAPE = { profileUpdates: 5, logins: 8, rotations: 25 };
const EVENTS_PER_USER = 1 + 1 + SHAPE.profileUpdates + 1 + 1 + SHAPE.logins + SHAPE.rotations;

async function bench(label: string, database: Database, events: number): Promise<void> {
  const store = await openPostgresEventStore(database, logger);
  try {
    const users = Math.ceil(events / EVENTS_PER_USER);
    let started = Date.now();
    const written = await seedAccounts(store, users, 16, SHAPE);
    console.log(`${label}: wrote ${written} events in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await new ProjectionSet(store, database.knex, [usersProjection], logger).migrate();
    started = Date.now();
    const result = await rebuildProjection(store, database.knex, usersProjection);
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `${label}: rebuilt users from ${written} events (${result.applied} of its types) in ${seconds.toFixed(1)} s: ` +
        `${Math.round(written / seconds)} log events/s, ${Math.round(result.applied / seconds)} applied events/s`,
    );
  } finally {
    await store.close();
  }
}

const pgliteEvents = Number(process.env.BENCH_PGLITE_EVENTS ?? 100_000);
if (pgliteEvents > 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'smarthome-bench-'));
  const database = connectDatabase({ kind: 'pglite', dataDir: dir });
  try {
    await bench('PGlite', database, pgliteEvents);
  } finally {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
if (serverUrl) {
  const name = `smarthome_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = connectDatabase({ kind: 'postgres', url: url.toString() });
  try {
    await bench('Postgres server', database, Number(process.env.BENCH_EVENTS ?? 1_000_000));
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
