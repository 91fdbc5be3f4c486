import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningServer } from '../../src/app.ts';
import { DATA_KEYS_TABLE } from '../../src/eventstore/personal-data/data-key-store.ts';
import { CrashHarness } from '../support/crash-harness.ts';
import { HttpClient } from '../support/http.ts';
import { makeStaff } from '../support/staff.ts';

const PASSWORD = 'correct horse battery';
const email = (label: string) => `crash-${label}-${randomUUID().slice(0, 8)}@example.com`;

interface Person {
  email: string;
  access: string;
  /** Just after registering: the claim of their address was made before this. */
  registeredAt: Date;
}

interface Owner {
  access: string;
  /** People whose e-mail change is killed, by the append it is killed after. */
  movers: Person[];
  /** Homes with an active gateway, whose revocation or deletion is killed. */
  active: Record<'revoke' | 'delete', { homeId: string; gatewayId: string }>;
  /** Homes with a free gateway slot, by the scenario that uses them. */
  homes: Record<'provision1' | 'provision2' | 'pairing1' | 'pairing2' | 'pairing3', string>;
  /** Pairing codes asked for those homes. */
  codes: Record<'pairing1' | 'pairing2' | 'pairing3', string>;
}

/** A home whose gateway slot is free: created by provisioning a gateway, which is then revoked. */
async function freeHome(http: HttpClient): Promise<string> {
  const provisioned = await http.post('/api/gateways/provision', { name: 'First' });
  expect(provisioned.status, JSON.stringify(provisioned.body)).toBe(201);
  expect((await http.post(`/api/gateways/${provisioned.body.id}/revoke`)).status).toBe(200);
  return provisioned.body.home_id as string;
}

async function setUp(url: string): Promise<Owner> {
  const registered = await new HttpClient(url).post('/api/auth/register', {
    email: email('owner'),
    password: PASSWORD,
    name: 'Owner',
  });
  expect(registered.status).toBe(201);
  const http = new HttpClient(url, registered.body.access as string);
  const homes = {} as Owner['homes'];
  for (const key of ['provision1', 'provision2', 'pairing1', 'pairing2', 'pairing3'] as const)
    homes[key] = await freeHome(http);
  const codes = {} as Owner['codes'];
  for (const key of ['pairing1', 'pairing2', 'pairing3'] as const) {
    const requested = await http.post('/api/gateways/request-pairing', { home_id: homes[key], name: 'Paired' });
    expect(requested.status).toBe(201);
    codes[key] = requested.body.code as string;
  }
  const movers: Person[] = [];
  for (const label of ['mover1', 'mover2', 'mover3']) {
    const address = email(label);
    const mover = await new HttpClient(url).post('/api/auth/register', { email: address, password: PASSWORD });
    expect(mover.status).toBe(201);
    movers.push({ email: address, access: mover.body.access as string, registeredAt: new Date() });
  }
  const active = {} as Owner['active'];
  for (const key of ['revoke', 'delete'] as const) {
    const provisioned = await http.post('/api/gateways/provision', { name: 'Active' });
    expect(provisioned.status).toBe(201);
    active[key] = { homeId: provisioned.body.home_id as string, gatewayId: provisioned.body.id as string };
  }
  return { access: registered.body.access as string, homes, codes, movers, active };
}

/** The owner's gateways in `homeId` as the API lists them. */
async function gatewaysIn(http: HttpClient, homeId: string): Promise<Array<{ id: string; status: string }>> {
  const listed = await http.get('/api/gateways/');
  expect(listed.status).toBe(200);
  return (listed.body as Array<{ id: string; home_id: string; status: string }>).filter(
    (gateway) => gateway.home_id === homeId,
  );
}

/**
 * Issue 18 items 3 and 4 (DESIGN rule 9): every multi-stream command, killed (SIGKILL, as `kill -9`) right after
 * each of its appends in turn, then the server restarted on the same DATA_DIR: within the grace period the
 * half-done state still answers as before; past it, the same command (or, when the crash came after its last
 * append, the follow-up a client would do) succeeds. Child processes are slow: PGlite only, one restart per
 * append position.
 */
describe('a crash between the appends of a multi-stream command never blocks anyone', () => {
  const harness = new CrashHarness();
  let owner: Owner;
  beforeAll(async () => {
    owner = await harness.restarted(setUp);
  }, 120_000);
  afterAll(() => harness.dispose());

  describe('registration: EmailClaimed → UserRegistered → UserLoggedIn', () => {
    it('a crash during registration does not lock the e-mail: after the grace period registering again succeeds', async () => {
      const address = email('after-claim');
      const register = (url: string) =>
        new HttpClient(url).post('/api/auth/register', { email: address, password: PASSWORD });
      await harness.crashDuring(1, register);
      await harness.restarted(async (url, clock) => {
        const early = await register(url);
        expect(early.status, 'the claim stands within the grace period').toBe(409);
        expect((await new HttpClient(url).post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(
          401,
        );
        clock.advance(CrashHarness.GRACE_MS);
        const again = await register(url);
        expect(again.status, JSON.stringify(again.body)).toBe(201);
        expect((await new HttpClient(url).post('/api/auth/login', { email: address, password: PASSWORD })).status).toBe(
          200,
        );
      });
    }, 120_000);

    for (const appends of [2, 3]) {
      it(`a crash after the user was written (append ${appends} of 3) leaves an account that logs in`, async () => {
        const address = email(`after-${appends}`);
        await harness.crashDuring(appends, (url) =>
          new HttpClient(url).post('/api/auth/register', { email: address, password: PASSWORD }),
        );
        await harness.restarted(async (url, clock) => {
          clock.advance(CrashHarness.GRACE_MS);
          expect(
            (await new HttpClient(url).post('/api/auth/register', { email: address, password: PASSWORD })).status,
          ).toBe(409);
          expect(
            (await new HttpClient(url).post('/api/auth/login', { email: address, password: PASSWORD })).status,
          ).toBe(200);
        });
      }, 120_000);
    }
  });

  describe('e-mail change: EmailClaimed (new) → UserEmailChanged → EmailReleased (old)', () => {
    const login = (url: string, address: string) =>
      new HttpClient(url).post('/api/auth/login', { email: address, password: PASSWORD });
    const registerAs = (url: string, address: string) =>
      new HttpClient(url).post('/api/auth/register', { email: address, password: PASSWORD });

    it('a crash after claiming the new address does not lock it: after the grace period someone else can register it', async () => {
      const mover = owner.movers[0]!;
      const target = email('new-1');
      await harness.crashDuring(1, (url) =>
        new HttpClient(url, mover.access).patch('/api/auth/profile', { email: target }),
      );
      await harness.restarted(async (url, clock) => {
        expect((await registerAs(url, target)).status, 'the claim stands within the grace period').toBe(409);
        expect((await login(url, mover.email)).status, 'the mover still uses the old address').toBe(200);
        clock.advance(CrashHarness.GRACE_MS);
        expect((await registerAs(url, target)).status).toBe(201);
        expect((await login(url, mover.email)).status).toBe(200);
      });
    }, 120_000);

    it('a crash before releasing the old address does not lock it: after the grace period someone else can register it', async () => {
      const mover = owner.movers[1]!;
      const target = email('new-2');
      await harness.crashDuring(2, (url) =>
        new HttpClient(url, mover.access).patch('/api/auth/profile', { email: target }),
      );
      // The old address was claimed at registration (setUp), and its grace is counted from then: the restarted
      // clock stands there, so "within the grace period" cannot depend on how long the tests before took.
      await harness.restarted(
        async (url, clock) => {
          expect((await login(url, target)).status).toBe(200);
          expect((await login(url, mover.email)).status, 'the old address logs nobody in').toBe(401);
          expect((await registerAs(url, mover.email)).status, 'the claim stands within the grace period').toBe(409);
          clock.advance(CrashHarness.GRACE_MS);
          expect((await registerAs(url, mover.email)).status).toBe(201);
          expect((await login(url, target)).status).toBe(200);
        },
        { clockStoppedAt: mover.registeredAt },
      );
    }, 120_000);

    it('a crash after the last append leaves the change done', async () => {
      const mover = owner.movers[2]!;
      const target = email('new-3');
      await harness.crashDuring(3, (url) =>
        new HttpClient(url, mover.access).patch('/api/auth/profile', { email: target }),
      );
      await harness.restarted(async (url) => {
        expect((await login(url, target)).status).toBe(200);
        expect((await registerAs(url, mover.email)).status).toBe(201);
      });
    }, 120_000);
  });

  describe('revoke and delete: GatewayRevoked/GatewayDeleted → HomeGatewayDetached', () => {
    for (const action of ['revoke', 'delete'] as const) {
      it(`a crash after the gateway was ${action}d but before its slot was freed: provisioning into the home succeeds`, async () => {
        const { homeId, gatewayId } = owner.active[action];
        await harness.crashDuring(1, (url) => {
          const http = new HttpClient(url, owner.access);
          return action === 'revoke'
            ? http.post(`/api/gateways/${gatewayId}/revoke`)
            : http.delete(`/api/gateways/${gatewayId}/`);
        });
        await harness.restarted(async (url) => {
          const provisioned = await new HttpClient(url, owner.access).post('/api/gateways/provision', {
            home_id: homeId,
          });
          expect(provisioned.status, JSON.stringify(provisioned.body)).toBe(201);
        });
      }, 120_000);
    }
  });

  describe('provisioning into a home: HomeGatewayAttached → GatewayProvisioned', () => {
    it('a crash during provisioning does not brick the home: after the grace period provisioning succeeds', async () => {
      const homeId = owner.homes.provision1;
      const provision = (url: string) =>
        new HttpClient(url, owner.access).post('/api/gateways/provision', { home_id: homeId, name: 'Hall' });
      await harness.crashDuring(1, provision);
      await harness.restarted(async (url, clock) => {
        const early = await provision(url);
        expect(early.status, 'the slot stands within the grace period').toBe(409);
        expect(early.body.error.code).toBe('home_has_active_gateway');
        clock.advance(CrashHarness.GRACE_MS);
        const again = await provision(url);
        expect(again.status, JSON.stringify(again.body)).toBe(201);
        expect(again.body.secret).toEqual(expect.any(String));
        const listed = await gatewaysIn(new HttpClient(url, owner.access), homeId);
        expect(listed.filter((gateway) => gateway.status !== 'revoked').map((gateway) => gateway.id)).toEqual([
          again.body.id,
        ]);
        // The release is on record in the home's history: the gateway id closed, then the slot freed.
        const history = await new HttpClient(url, owner.access).get(`/api/audit/?home_id=${homeId}&limit=100`);
        expect(history.status).toBe(200);
        const released = (history.body.items as Array<{ type: string; data: Record<string, unknown> }>).filter(
          (item) => item.type === 'GatewayProvisioningAbandoned' || item.data.reason === 'holder_never_written',
        );
        expect(released.map((item) => item.type)).toEqual(['GatewayProvisioningAbandoned', 'HomeGatewayDetached']);
      });
    }, 120_000);

    it('a crash after the gateway was written leaves a listed gateway whose secret can be rotated', async () => {
      const homeId = owner.homes.provision2;
      await harness.crashDuring(2, (url) =>
        new HttpClient(url, owner.access).post('/api/gateways/provision', { home_id: homeId }),
      );
      await harness.restarted(async (url, clock) => {
        const http = new HttpClient(url, owner.access);
        clock.advance(CrashHarness.GRACE_MS);
        expect(
          (await http.post('/api/gateways/provision', { home_id: homeId })).status,
          'one active gateway per home',
        ).toBe(409);
        const active = (await gatewaysIn(http, homeId)).filter((gateway) => gateway.status !== 'revoked');
        expect(active).toHaveLength(1);
        expect((await http.post(`/api/gateways/${active[0]!.id}/rotate-secret`)).status).toBe(200);
      });
    }, 120_000);
  });

  describe('pairing: PairingRedeemed → HomeGatewayAttached → GatewayProvisioned', () => {
    for (const [appends, key] of [
      [1, 'pairing1'],
      [2, 'pairing2'],
    ] as const) {
      it(`a crash during a pairing redemption (after append ${appends} of 3) leaves the code usable after the grace period`, async () => {
        // The field edge's pair_gateway.py body: it picks its own gateway id (a fresh uuid4 on every run).
        const complete = (url: string, gatewayUuid = randomUUID()) =>
          new HttpClient(url).post('/api/gateways/complete-pairing/', {
            pairing_code: owner.codes[key],
            gateway_uuid: gatewayUuid,
            name: `Gateway ${gatewayUuid.slice(0, 8)}`,
            version: '1.0.0',
          });
        const crashedUuid = randomUUID();
        await harness.crashDuring(appends, (url) => complete(url, crashedUuid));
        await harness.restarted(async (url, clock) => {
          const early = await complete(url);
          expect(early.status, JSON.stringify(early.body)).toBe(400);
          expect(early.body.error.code).toBe('pairing_code_used');
          clock.advance(CrashHarness.GRACE_MS);
          // The crashed run's id was closed so that its late write can never land: that id is spent.
          const sameId = await complete(url, crashedUuid);
          expect(sameId.status, JSON.stringify(sameId.body)).toBe(409);
          expect(sameId.body.error.code).toBe('gateway_id_taken');
          const freshUuid = randomUUID();
          const again = await complete(url, freshUuid);
          expect(again.status, JSON.stringify(again.body)).toBe(201);
          expect(again.body).toMatchObject({
            id: freshUuid,
            home_id: owner.homes[key],
            secret: expect.any(String),
            version: '1.0.0',
          });
        });
      }, 120_000);
    }

    it('a crash after the paired gateway was written leaves it listed for the requester, who can rotate its secret', async () => {
      const homeId = owner.homes.pairing3;
      await harness.crashDuring(3, (url) =>
        new HttpClient(url).post('/api/gateways/complete-pairing', { code: owner.codes.pairing3 }),
      );
      await harness.restarted(async (url, clock) => {
        clock.advance(CrashHarness.GRACE_MS);
        expect(
          (await new HttpClient(url).post('/api/gateways/complete-pairing', { code: owner.codes.pairing3 })).status,
        ).toBe(400);
        const http = new HttpClient(url, owner.access);
        const active = (await gatewaysIn(http, homeId)).filter((gateway) => gateway.status !== 'revoked');
        expect(active).toHaveLength(1);
        expect((await http.post(`/api/gateways/${active[0]!.id}/rotate-secret`)).status).toBe(200);
      });
    }, 120_000);
  });

  describe('leaving: PersonalDataErased is appended, then its keys are destroyed', () => {
    /** Until the key_shredding follower of the restarted server has caught up (it starts with the server). */
    const FOLLOWER = { timeout: 30_000, interval: 100 };
    /**
     * The keys as stored: this node stops using the keys of an erasure it reads at once (cache), so the
     * "[erased]" answers alone would not show that the follower destroyed them in the key store.
     */
    const destroyed = async (server: RunningServer, keyIds: string[]) =>
      expect(
        await server.stores.readModels
          .knex(DATA_KEYS_TABLE)
          .whereIn('key_id', keyIds)
          .whereNull('wrapped')
          .pluck('key_id'),
      ).toEqual(expect.arrayContaining(keyIds));
    type AuditItem = { type: string; data: Record<string, unknown>; metadata: Record<string, unknown> };
    const erased = (items: AuditItem[], type: string, field: string) =>
      items.filter((item) => item.type === type).map((item) => item.data[field]);

    it('a crash after PersonalDataErased still destroys the keys (account deletion): the values read "[erased]"', async () => {
      const tag = randomUUID().slice(0, 8);
      const agent = `LeaverPhone/${tag}`;
      const { homeId, leaver } = await harness.restarted(async (url) => {
        const http = new HttpClient(url, owner.access);
        const home = await freeHome(http);
        const registered = await new HttpClient(url).post('/api/auth/register', {
          email: email('leaver'),
          password: PASSWORD,
        });
        expect(registered.status).toBe(201);
        const leaverId = registered.body.user.id as string;
        const granted = await http.post(`/api/gateways/homes/${home}/permissions/`, {
          user_id: leaverId,
          role: 'viewer',
        });
        expect(granted.status, JSON.stringify(granted.body)).toBe(201);
        return { homeId: home, leaver: { id: leaverId, access: registered.body.access as string } };
      });
      // Appends: PermissionRevoked (leaving the home), UserAccountDeleted + PersonalDataErased, EmailReleased.
      await harness.crashDuring(2, (url) =>
        new HttpClient(url, leaver.access).request(
          'DELETE',
          '/api/auth/account',
          { password: PASSWORD, confirm: 'DELETE' },
          { 'user-agent': agent },
        ),
      );
      await harness.restarted(async (url, _clock, server) => {
        const http = new HttpClient(url, owner.access);
        await vi.waitFor(() => destroyed(server, [`user:${leaver.id}`]), FOLLOWER);
        await vi.waitFor(async () => {
          const history = await http.get(`/api/audit/?home_id=${homeId}&limit=100`);
          expect(history.status).toBe(200);
          const left = (history.body.items as AuditItem[]).filter(
            (item) => item.type === 'PermissionRevoked' && item.data.user_id === leaver.id,
          );
          expect(left.map((item) => item.metadata.user_agent)).toEqual(['[erased]']);
        }, FOLLOWER);
      });
    }, 120_000);

    for (const appends of [1, 2, 3]) {
      it(`a crash during a home deletion (after append ${appends} of 3): the owner's retry completes it, the names read "[erased]"`, async () => {
        const name = `Crash Hall ${randomUUID().slice(0, 8)}`;
        const { homeId } = await harness.restarted(async (url) => {
          const provisioned = await new HttpClient(url, owner.access).post('/api/gateways/provision', { name });
          expect(provisioned.status).toBe(201);
          return { homeId: provisioned.body.home_id as string };
        });
        // Appends: GatewayRevoked, HomeGatewayDetached, HomeDeleted + PersonalDataErased.
        await harness.crashDuring(appends, (url) => new HttpClient(url, owner.access).delete(`/api/homes/${homeId}`));
        await harness.restarted(async (url, _clock, server) => {
          const http = new HttpClient(url, owner.access);
          const retried = await http.delete(`/api/homes/${homeId}`);
          expect(retried.status, JSON.stringify(retried.body)).toBe(204);
          expect((await http.get(`/api/homes/${homeId}/`)).status).toBe(404);
          expect((await http.delete(`/api/homes/${homeId}`)).status, 'and again').toBe(204);
          const staff = await makeStaff(server, `staff-${appends}`);
          await vi.waitFor(async () => {
            const history = await staff.http.get(`/api/admin/audit?home_id=${homeId}&limit=100`);
            expect(history.status).toBe(200);
            expect(erased(history.body.items, 'GatewayProvisioned', 'name')).toEqual(['[erased]']);
            expect(erased(history.body.items, 'HomeDeleted', 'home_id')).toEqual([homeId]);
          }, FOLLOWER);
        });
      }, 120_000);
    }

    it("a crash after PersonalDataErased, with no retry: the follower alone destroys the home's keys", async () => {
      const name = `Crash Den ${randomUUID().slice(0, 8)}`;
      const { homeId, gatewayId } = await harness.restarted(async (url) => {
        const provisioned = await new HttpClient(url, owner.access).post('/api/gateways/provision', { name });
        expect(provisioned.status).toBe(201);
        return { homeId: provisioned.body.home_id as string, gatewayId: provisioned.body.id as string };
      });
      await harness.crashDuring(3, (url) => new HttpClient(url, owner.access).delete(`/api/homes/${homeId}`));
      await harness.restarted(async (_url, _clock, server) => {
        await vi.waitFor(() => destroyed(server, [`home:${homeId}`, `gateway:${gatewayId}`]), FOLLOWER);
        const staff = await makeStaff(server, 'staff-follower');
        await vi.waitFor(async () => {
          const history = await staff.http.get(`/api/admin/audit?home_id=${homeId}&limit=100`);
          expect(erased(history.body.items, 'GatewayProvisioned', 'name')).toEqual(['[erased]']);
        }, FOLLOWER);
      });
    }, 120_000);
  });
});
