import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDatabase, type Database } from '../../src/database/connect.ts';
import type { ParamKinds, ParamsOf } from '../../src/database/prepared-read.ts';
import { liveTables } from '../../src/projections/projection.ts';
import { gatewayBody } from '../../src/api/routes/gateway-body.ts';
import type { GatewayResponse } from '../../src/api/contracts/gateway-contract.ts';
import { GatewayQueries, gatewayStatements } from '../../src/projections/queries/gateway-queries.ts';
import {
  pageOfRows,
  type Page,
  type PageKey,
  type PageRequest,
  type PreparedPage,
} from '../../src/projections/queries/keyset-page.ts';
import {
  jsonPageOf,
  jsonPageParams,
  type JsonPage,
  type PreparedJsonPage,
} from '../../src/projections/queries/json-page.ts';
import { MembershipQueries, membershipStatements } from '../../src/projections/queries/membership-queries.ts';
import { UserQueries, userStatements } from '../../src/projections/queries/user-queries.ts';
import { bridgeProjection } from '../../src/projections/read-models/bridge-projection.ts';
import { gatewaysProjection } from '../../src/projections/read-models/gateways-projection.ts';
import { homesProjection } from '../../src/projections/read-models/homes-projection.ts';
import { membershipsProjection } from '../../src/projections/read-models/memberships-projection.ts';
import { usersProjection } from '../../src/projections/read-models/users-projection.ts';
import { databaseTargets, openTestDatabase, type TestDatabase } from '../support/databases.ts';

/**
 * The hot reads run as prepared statements compiled once from their Knex queries (`database/prepared-read.ts`).
 * Here every one of them answers exactly what its Knex query answers when Knex builds and runs it per call, over
 * rows that exercise the filters: deleted and revoked gateways, presence online/offline/none, a stranger's home,
 * timestamps tied to the microsecond (the keyset's tie-breaker), and pages walked by cursor at several sizes.
 */

const user = randomUUID();
const other = randomUUID();
const stranger = randomUUID();
const [homeA, homeB, homeC] = [randomUUID(), randomUUID(), randomUUID()];
const TIED = '2026-03-01T10:00:00.123456Z';
const at = (second: number) => `2026-03-01T10:00:${String(second).padStart(2, '0')}.000001Z`;

interface Seeded {
  visible: string[];
  deleted: string;
  strangers: string;
}

async function createReadModels(knex: Knex): Promise<void> {
  for (const projection of [usersProjection, homesProjection, membershipsProjection, gatewaysProjection]) {
    await projection.createTables(knex, liveTables);
  }
  await bridgeProjection.createTables(knex, liveTables);
}

async function seed(knex: Knex): Promise<Seeded> {
  await knex('users').insert([
    { id: user, email: 'u@example.com', name: 'U', created_at: at(1), updated_at: at(2) },
    { id: other, email: 'o@example.com', name: 'O', created_at: at(1), updated_at: at(1) },
  ]);
  await knex('homes').insert([
    { id: homeA, owner_id: user, name: 'A', active_gateway_id: null, created_at: TIED },
    { id: homeB, owner_id: other, name: 'B', active_gateway_id: null, created_at: TIED },
    { id: homeC, owner_id: stranger, name: 'C', active_gateway_id: null, created_at: at(3) },
  ]);
  const member = (home: string, who: string, role: string) => ({
    home_id: home,
    user_id: who,
    role,
    granted_by: who,
    granted_at: at(4),
    updated_at: at(4),
  });
  await knex('memberships').insert([
    member(homeA, user, 'owner'),
    member(homeB, user, 'viewer'),
    member(homeB, other, 'owner'),
    member(homeC, stranger, 'owner'),
  ]);
  const gateway = (home: string, status: string, createdAt: string, extra: Record<string, unknown> = {}) => ({
    id: randomUUID(),
    home_id: home,
    name: `gw ${status}`,
    version: status === 'pending' ? null : '1.2.3',
    status,
    last_seen: null,
    created_at: createdAt,
    revoked_at: status === 'revoked' ? at(9) : null,
    deleted_at: null,
    ...extra,
  });
  const rows = [
    gateway(homeA, 'pending', TIED),
    gateway(homeA, 'pending', TIED),
    gateway(homeB, 'pending', TIED),
    gateway(homeA, 'revoked', at(5), { last_seen: at(6) }),
    gateway(homeB, 'pending', at(6)),
    gateway(homeA, 'pending', at(7)),
  ];
  const deleted = gateway(homeA, 'pending', at(8), { deleted_at: at(9) });
  const strangers = gateway(homeC, 'pending', at(8));
  await knex('gateways').insert([...rows, deleted, strangers]);
  await knex('gateway_presence').insert([
    { gateway_id: rows[0]!.id, session_id: randomUUID(), online: true, last_seen: at(10) },
    { gateway_id: rows[2]!.id, session_id: null, online: false, last_seen: at(11) },
    { gateway_id: rows[3]!.id, session_id: randomUUID(), online: true, last_seen: at(12) },
  ]);
  return { visible: rows.map((row) => row.id), deleted: deleted.id, strangers: strangers.id };
}

/** A page as the code answered it before it was prepared: Knex builds `pageBy`'s query and runs it. */
async function knexPage<Row extends { id: string }, Kinds extends ParamKinds>(
  knex: Knex,
  statements: PreparedPage<Kinds>,
  params: ParamsOf<Kinds>,
  page: PageRequest,
  idOf: (row: Row) => string = (row) => row.id,
): Promise<Page<Row>> {
  const rows = page.after
    ? await statements.later.viaKnex(knex, {
        ...params,
        rows: page.limit + 1,
        after_at: page.after.at,
        after_id: page.after.id,
      } as unknown as ParamsOf<Kinds & { rows: 'integer'; after_at: 'text'; after_id: 'text' }>)
    : await statements.first.viaKnex(knex, { ...params, rows: page.limit + 1 } as unknown as ParamsOf<
        Kinds & { rows: 'integer' }
      >);
  return pageOfRows<Row>(rows, page, idOf);
}

/** A JSON page with its items parsed, for `walkBoth`. */
const parsedPage = (page: JsonPage): Page<GatewayResponse> => ({ items: JSON.parse(page.json), next: page.next });

/** A JSON page as Knex builds and runs the same statement per call. */
async function knexJsonPage<Kinds extends ParamKinds>(
  knex: Knex,
  statements: PreparedJsonPage<Kinds>,
  params: ParamsOf<Kinds>,
  page: PageRequest,
): Promise<Page<GatewayResponse>> {
  const values = jsonPageParams(params, page);
  const rows = page.after
    ? await statements.later.viaKnex(knex, values as Parameters<typeof statements.later.viaKnex>[1])
    : await statements.first.viaKnex(knex, values as Parameters<typeof statements.first.viaKnex>[1]);
  return parsedPage(jsonPageOf(rows[0], page));
}

/** Walks every page with both paths side by side; returns the ids in page order. */
async function walkBoth<Row extends { id: string }>(
  limit: number,
  prepared: (page: PageRequest) => Promise<Page<Row>>,
  viaKnex: (page: PageRequest) => Promise<Page<Row>>,
): Promise<string[]> {
  const ids: string[] = [];
  let after: PageKey | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const page: PageRequest = { limit, after };
    const answer = await prepared(page);
    expect(answer).toEqual(await viaKnex(page));
    ids.push(...answer.items.map((item) => item.id));
    if (!answer.next) return ids;
    after = answer.next;
  }
  throw new Error('more than 20 pages');
}

/** A member page with `id` for `walkBoth` (members are keyed by their user id). */
const withIds = (page: Page<{ user_id: string }>): Page<{ id: string; user_id: string }> => ({
  ...page,
  items: page.items.map((item) => ({ ...item, id: item.user_id })),
});

const first = async <Row>(query: Knex.QueryBuilder): Promise<Row | null> => ((await query) as Row[])[0] ?? null;

describe.each(databaseTargets())('prepared reads answer as their Knex queries (%s)', (target) => {
  let db: TestDatabase;
  let knex: Knex;
  let seeded: Seeded;

  beforeAll(async () => {
    db = await openTestDatabase(target);
    knex = db.database.knex;
    await createReadModels(knex);
    seeded = await seed(knex);
  });
  afterAll(async () => {
    await db?.cleanup();
  });

  it.each([1, 2, 3, 50])('walks the gateway list %i at a time: same pages and cursors', async (limit) => {
    const gateways = new GatewayQueries(knex);
    const ids = await walkBoth(
      limit,
      async (page) => parsedPage(await gateways.pageVisibleToAsJson(user, page)),
      (page) => knexJsonPage(knex, gatewayStatements.visiblePage, { user }, page),
    );
    // Deleted and strangers' gateways are left out; the ones created in the same microsecond are ordered by id.
    const tied = seeded.visible.slice(0, 3).sort();
    expect(ids).toEqual([...tied, ...seeded.visible.slice(3)]);
  });

  it("lists each gateway as its detail answers it: same keys in the same order, same timestamps' text", async () => {
    // The list's JSON is written by the database from rows read through the memberships; the detail is built here
    // from `Date`s read through the gateways. Microseconds (TIED), presence and revocation times must come out alike.
    const gateways = new GatewayQueries(knex);
    const { items } = parsedPage(await gateways.pageVisibleToAsJson(user, { limit: 50, after: null }));
    expect(items).toHaveLength(seeded.visible.length);
    for (const item of items) {
      const detail = gatewayBody((await gateways.byIdVisibleTo(item.id, user))!);
      expect(item).toEqual(detail);
      expect(Object.keys(item)).toEqual(Object.keys(detail));
    }
    expect(items.some((item) => item.created_at === '2026-03-01T10:00:00.123Z')).toBe(true);
  });

  it('writes any name as the JSON it is, and an empty list as []', async () => {
    const [owner, home] = [randomUUID(), randomUUID()];
    const name = 'quote " backslash \\ tab \t bell \u0007 snowman ☃ face 😀 </script>';
    await knex('homes').insert({ id: home, owner_id: owner, name: 'D', active_gateway_id: null, created_at: at(1) });
    const gateways = new GatewayQueries(knex);
    expect(await gateways.pageVisibleToAsJson(owner, { limit: 50, after: null })).toEqual({ json: '[]', next: null });
    await knex('memberships').insert({
      home_id: home,
      user_id: owner,
      role: 'owner',
      granted_by: owner,
      granted_at: at(1),
      updated_at: at(1),
    });
    const gatewayId = randomUUID();
    await knex('gateways').insert({ id: gatewayId, home_id: home, name, status: 'pending', created_at: at(2) });
    const { items, next } = parsedPage(await gateways.pageVisibleToAsJson(owner, { limit: 1, after: null }));
    expect(next).toBeNull();
    expect(items).toEqual([gatewayBody((await gateways.byIdVisibleTo(gatewayId, owner))!)]);
    expect(items[0]!.name).toBe(name);
  });

  it('answers gateway details with the role, and nothing for deleted or strangers', async () => {
    const gateways = new GatewayQueries(knex);
    for (const id of [...seeded.visible, seeded.deleted, seeded.strangers, randomUUID()]) {
      const params = { gateway: id, user };
      const prepared = await gateways.byIdVisibleTo(id, user);
      expect(prepared).toEqual(await first(gatewayStatements.visibleById.viaKnex(knex, params)));
      expect(await gateways.byId(id)).toEqual(await first(gatewayStatements.byId.viaKnex(knex, { gateway: id })));
    }
    const online = await gateways.byIdVisibleTo(seeded.visible[0]!, user);
    expect(online).toMatchObject({ status: 'online', role: 'owner' });
    expect(await gateways.byIdVisibleTo(seeded.visible[2]!, user)).toMatchObject({ status: 'offline', role: 'viewer' });
    expect(await gateways.byIdVisibleTo(seeded.visible[3]!, user)).toMatchObject({ status: 'revoked' });
    expect(await gateways.byIdVisibleTo(seeded.deleted, user)).toBeNull();
    expect(await gateways.byIdVisibleTo(seeded.strangers, user)).toBeNull();
    expect(await gateways.byId(seeded.strangers)).not.toBeNull();
  });

  it('answers roles, homes, home pages and profiles as Knex does', async () => {
    const memberships = new MembershipQueries(knex);
    for (const [home, who] of [
      [homeA, user],
      [homeB, user],
      [homeC, user],
      [homeB, other],
    ] as const) {
      const viaKnex = await first<{ role: string }>(membershipStatements.roleOf.viaKnex(knex, { home, user: who }));
      expect(await memberships.roleOf(home, who)).toBe(viaKnex?.role ?? null);
      const params = { user: who, home };
      expect(await memberships.homesOf(who, home)).toEqual(await membershipStatements.home.viaKnex(knex, params));
    }
    expect(await memberships.roleOf(homeB, user)).toBe('viewer');
    expect(await memberships.roleOf(homeC, user)).toBeNull();
    expect(await memberships.homesOf(user)).toEqual(await membershipStatements.homes.viaKnex(knex, { user }));
    expect((await memberships.homesOf(user)).map((home) => home.id)).toEqual([homeA, homeB].sort());
    for (const limit of [1, 2, 50]) {
      const ids = await walkBoth(
        limit,
        (page) => memberships.homePage(user, page),
        (page) => knexPage(knex, membershipStatements.homePage, { user }, page),
      );
      expect(ids).toEqual([homeA, homeB].sort());
    }
    const users = new UserQueries(knex);
    for (const id of [user, other, stranger]) {
      expect(await users.byId(id)).toEqual(await first(userStatements.byId.viaKnex(knex, { user: id })));
    }
    expect(await users.byId(user)).toMatchObject({ email: 'u@example.com', name: 'U' });
  });

  it('answers member lists, one member, home ids, all visible gateways and users by e-mail as Knex does', async () => {
    const memberships = new MembershipQueries(knex);
    const statement = membershipStatements.permissionPage;
    for (const limit of [1, 2, 50]) {
      for (const home of [homeA, homeB, homeC, randomUUID()]) {
        const members = await walkBoth(
          limit,
          async (page) => withIds(await memberships.permissionPage(home, page)),
          async (page) => {
            type Member = { id: string; user_id: string };
            const userIdOf = (row: Member) => row.user_id;
            const params = { home };
            return withIds(await knexPage<Member, { home: 'text' }>(knex, statement, params, page, userIdOf));
          },
        );
        if (home === homeB) expect(members).toEqual([user, other].sort());
      }
    }
    for (const [home, who] of [
      [homeA, user],
      [homeB, other],
      [homeC, user],
    ] as const) {
      const viaKnex = await first(membershipStatements.permission.viaKnex(knex, { home, user: who }));
      expect(await memberships.permission(home, who)).toEqual(viaKnex);
    }
    expect(await memberships.permission(homeB, other)).toMatchObject({ email: 'o@example.com', role: 'owner' });
    expect(await memberships.permission(homeC, user)).toBeNull();
    for (const who of [user, other, stranger, randomUUID()]) {
      const viaKnex = (await membershipStatements.homeIds.viaKnex(knex, { user: who })) as Array<{ home_id: string }>;
      // Granted in the same microsecond: the order between them is PostgreSQL's either way.
      expect((await memberships.homeIdsOf(who)).sort()).toEqual(viaKnex.map((row) => row.home_id).sort());
    }
    expect((await memberships.homeIdsOf(user)).sort()).toEqual([homeA, homeB].sort());
    const gateways = new GatewayQueries(knex);
    const visible = await gateways.visibleTo(user);
    expect(visible).toEqual(await gatewayStatements.visibleAll.viaKnex(knex, { user }));
    expect(visible.map((row) => row.id).sort()).toEqual([...seeded.visible].sort());
    const users = new UserQueries(knex);
    for (const email of ['u@example.com', 'o@example.com', 'nobody@example.com']) {
      expect(await users.byEmail(email)).toEqual(await first(userStatements.byEmail.viaKnex(knex, { email })));
    }
    expect(await users.byEmail('u@example.com')).toMatchObject({ id: user, name: 'U' });
  });

  it("reads inside a transaction on the transaction's connection", async () => {
    // On PGlite the transaction holds the only connection: a read from the pool would wait for it forever.
    const role = await knex.transaction((trx) => new MembershipQueries(trx).roleOf(homeA, user));
    expect(role).toBe('owner');
  });
});

describe.each(databaseTargets())('prepared reads kept under their names (%s)', (target) => {
  let db: TestDatabase;
  /** One connection, so that what PostgreSQL keeps for it can be looked at (PGlite has only one). */
  let single: Database;

  beforeAll(async () => {
    db = await openTestDatabase(target);
    await createReadModels(db.database.knex);
    await seed(db.database.knex);
    single = db.target.kind === 'postgres' ? connectDatabase({ ...db.target, poolMax: 1 }) : db.database;
  });
  afterAll(async () => {
    if (single !== db?.database) await single?.close();
    await db?.cleanup();
  });

  const preparedOnConnection = async (): Promise<string[]> => {
    const rows: Array<{ name: string }> = (await single.knex.raw('select name from pg_prepared_statements')).rows;
    return rows.map((row) => row.name);
  };

  it('keeps each statement prepared on the connection under its name', async () => {
    const gateways = new GatewayQueries(single.knex);
    for (let run = 0; run < 7; run++) await gateways.pageVisibleToAsJson(user, { limit: 2, after: null });
    expect(await preparedOnConnection()).toContain(gatewayStatements.visiblePage.first.name);
  });

  it('follows a read model swapped under it, as a rebuild does', async () => {
    const users = new UserQueries(single.knex);
    expect(await users.byId(user)).toMatchObject({ name: 'U' });
    await db.database.knex.transaction(async (trx) => {
      await trx.raw('create table users_next (like users including all)');
      await trx('users_next').insert({
        id: user,
        email: 'u@example.com',
        name: 'Rebuilt',
        created_at: at(1),
        updated_at: at(2),
      });
      await trx.schema.dropTable('users');
      await trx.raw('alter table users_next rename to users');
    });
    expect(await users.byId(user)).toMatchObject({ name: 'Rebuilt' });
  });

  it('still answers when a column it returns changed type under it', async () => {
    const users = new UserQueries(single.knex);
    await users.byId(user);
    await db.database.knex.raw('alter table users alter column name type varchar(200)');
    expect(await users.byId(user)).toMatchObject({ name: 'Rebuilt' });
    expect(await users.byId(other)).toBeNull();
  });
});
