import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { NEVER, type Observable } from 'rxjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelegatingEventStore } from '../../src/eventstore/delegating-event-store.ts';
import { openPostgresEventStore } from '../../src/eventstore/open-event-store.ts';
import type {
  EventStore,
  Position,
  ReadAllOptions,
  RecordedEvent,
  SubscribeToAllOptions,
} from '../../src/eventstore/port.ts';
import { createLogger } from '../../src/logger.ts';
import { ProjectionSet } from '../../src/projections/projection-set.ts';
import { MembershipQueries } from '../../src/projections/queries/membership-queries.ts';
import { usersProjection } from '../../src/projections/read-models/users-projection.ts';
import { membershipsProjection } from '../../src/projections/read-models/memberships-projection.ts';
import { openTestDatabase, type TestDatabase } from '../support/databases.ts';
import { ReadHorizonGate } from '../support/read-horizon-gate.ts';

const logger = createLogger('silent');
const onPostgres = process.env.TEST_DATABASE_URL ? describe : describe.skip;

/**
 * "A write never answers 404 for what it just wrote": when `settle` (ProjectionSet.waitFor) says the read models
 * caught up with a grant, the membership it wrote is readable. Both ways it can say so are pinned on a Postgres
 * server, where other transactions run beside the reads: the applier's own horizon (a runner of this process) and
 * the checkpoint scan (a runner elsewhere).
 */
onPostgres('settle on a Postgres server: caught up means the written row is readable', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    cleanups.length = 0;
  });

  async function database(): Promise<TestDatabase & { url: string }> {
    const db = await openTestDatabase('postgres');
    cleanups.push(() => db.cleanup());
    if (db.target.kind !== 'postgres') throw new Error('needs a Postgres server');
    return { ...db, url: db.target.url };
  }

  async function client(url: string): Promise<pg.Client> {
    const connection = new pg.Client({ connectionString: url });
    await connection.connect();
    cleanups.push(() => connection.end());
    return connection;
  }

  const homeId = randomUUID();
  const ownerId = randomUUID();
  const event = (type: string, data: Record<string, unknown>) => ({ id: randomUUID(), type, data, metadata: {} });

  async function createHome(store: EventStore): Promise<Position> {
    const result = await store.appendToStream(
      `home-${homeId}`,
      [event('HomeCreated', { home_id: homeId, owner_id: ownerId })],
      { expectedRevision: 'no_stream' },
    );
    return result.position;
  }

  async function grant(store: EventStore, userId: string): Promise<Position> {
    const result = await store.appendToStream(
      `home-${homeId}`,
      [event('PermissionGranted', { home_id: homeId, user_id: userId, role: 'viewer', granted_by: ownerId })],
      { expectedRevision: 'any' },
    );
    return result.position;
  }

  /** A transaction elsewhere on the server that wrote something (it has an id) but appends no event. */
  async function openWriterElsewhere(url: string): Promise<pg.Client> {
    const elsewhere = await client(url);
    await elsewhere.query('begin');
    await elsewhere.query('select pg_current_xact_id()');
    return elsewhere;
  }

  it('a transaction elsewhere that ends while a read takes its horizon cannot make settle skip the grant', async () => {
    const db = await database();
    const inner = await openPostgresEventStore(db.database, logger);
    cleanups.push(() => inner.close());
    // The runner's wait for its next event never ends by an event: it steps only when settle hurries it, so no
    // read of its subscription's own and no later step can repair what the step under test did.
    const store = new (class extends DelegatingEventStore {
      override subscribeToAll(options?: SubscribeToAllOptions): Observable<RecordedEvent> {
        return options?.filter ? NEVER : this.inner.subscribeToAll(options);
      }
    })(inner);
    const home = await createHome(store);
    const projections = new ProjectionSet(store, db.database.knex, [membershipsProjection], logger, {
      target: db.target,
      lockRetryMs: 50,
    });
    await projections.migrate();
    // The permission read joins users (its rows are not needed: a member's e-mail and name may be null).
    await new ProjectionSet(store, db.database.knex, [usersProjection], logger).migrate();
    await projections.start();
    cleanups.push(() => projections.stop());
    await vi.waitFor(() => expect(projections.status()[0]).toMatchObject({ state: 'live', checkpoint: home }), {
      timeout: 20_000,
    });

    const gate = await ReadHorizonGate.install(db.url);
    cleanups.push(() => gate.uninstall());
    const elsewhere = await openWriterElsewhere(db.url);
    // Reads of several types (their statements share one horizon in a CTE): the runner's page and the checkpoint scan.
    await gate.close('read_horizon as materialized');
    const userId = randomUUID();
    const granted = await grant(store, userId);
    const settled = projections.waitFor(granted, ['PermissionGranted'], 20_000);
    // The runner, hurried, read the head (the grant is visible: the transaction elsewhere appends nothing), and
    // both its page read and the waiter's scan took their snapshots while that transaction still ran.
    await gate.paused(2);
    await elsewhere.query('commit');
    await gate.open();

    expect(await settled).toBe(true);
    expect(await new MembershipQueries(db.database.knex).permission(homeId, userId)).toMatchObject({
      user_id: userId,
      role: 'viewer',
    });
  });

  it('an applier elsewhere: an older append that commits during the checkpoint scan cannot make it skip the grant', async () => {
    const db = await database();
    const inner = await openPostgresEventStore(db.database, logger);
    cleanups.push(() => inner.close());
    let afterScan: (() => Promise<void>) | null = null;
    // The scan of the log after the checkpoint; what the test does then happens before the waiter reads on.
    const store = new (class extends DelegatingEventStore {
      override async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
        const page = await this.inner.readAll(options);
        const then = afterScan;
        afterScan = null;
        await then?.();
        return page;
      }
    })(inner);
    // This process applies nothing: another one would (here nobody does, so nothing can be caught up).
    const projections = new ProjectionSet(store, db.database.knex, [membershipsProjection], logger, {
      target: db.target,
      apply: false,
    });
    await projections.migrate();
    await projections.start();
    cleanups.push(() => projections.stop());

    const older = await client(db.url);
    await older.query('begin');
    // An append of its own that started first (older transaction id) and commits last.
    await older.query(
      `select outcome from es_append($1, 'no_stream', array[$2::uuid], array['Unrelated'], array['{}'::jsonb], array['{}'::jsonb])`,
      [`other-${randomUUID()}`, randomUUID()],
    );
    const granted = await grant(store, randomUUID());
    afterScan = async () => {
      await older.query('commit');
    };

    // Nobody applies the grant, so settle must run out (the route answers 202, not a 404).
    expect(await projections.waitFor(granted, ['PermissionGranted'], 500)).toBe(false);
    expect(afterScan).toBeNull();
  });
});
