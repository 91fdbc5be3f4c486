import { describe, expect, it } from 'vitest';
import { homeStream } from '../../src/domain/homes/home-events.ts';
import { databaseTargets } from '../support/databases.ts';
import { useHandlerSpec } from '../support/handler-spec.ts';

// Handler specs: given the home stream, when a home use case runs, then the events it appended (or the refusal).
const OWNER = '20000000-0000-4000-8000-000000000001';
const ADMIN = '20000000-0000-4000-8000-000000000002';
const NEWCOMER = '20000000-0000-4000-8000-000000000003';
const STRANGER = '20000000-0000-4000-8000-000000000004';
const GW = '30000000-0000-4000-8000-000000000001';

describe.each(databaseTargets())('home use cases (%s)', (target) => {
  const spec = useHandlerSpec(target);
  let homes = 0;
  /** A home of its own for each test: created with a gateway, and an admin. */
  async function givenHome() {
    const homeId = `10000000-0000-4000-8000-${String(++homes).padStart(12, '0')}`;
    await spec.given(homeStream(homeId), [
      { type: 'HomeCreated', data: { home_id: homeId, owner_id: OWNER } },
      { type: 'HomeGatewayAttached', data: { home_id: homeId, gateway_id: GW } },
      { type: 'PermissionGranted', data: { home_id: homeId, user_id: ADMIN, role: 'admin', granted_by: OWNER } },
    ]);
    return homeId;
  }

  it('grant appends PermissionGranted to the home stream; the same grant again appends nothing', async () => {
    const homeId = await givenHome();
    const granted = await spec.when(() =>
      spec.useCases.homes.grant(homeId, OWNER, NEWCOMER, 'user', spec.contextOf(OWNER)),
    );
    expect(granted.answer.outcome).toBe('granted');
    expect(granted.events).toEqual([
      {
        stream: homeStream(homeId),
        type: 'PermissionGranted',
        data: { home_id: homeId, user_id: NEWCOMER, role: 'user', granted_by: OWNER },
      },
    ]);
    const again = await spec.when(() =>
      spec.useCases.homes.grant(homeId, OWNER, NEWCOMER, 'user', spec.contextOf(OWNER)),
    );
    expect(again.answer).toEqual({ outcome: 'unchanged', write: { position: null, eventTypes: [] } });
    expect(again.events).toEqual([]);
  });

  it('a grant to a member is a role change; revoke removes the member', async () => {
    const homeId = await givenHome();
    const changed = await spec.when(() =>
      spec.useCases.homes.grant(homeId, OWNER, ADMIN, 'viewer', spec.contextOf(OWNER)),
    );
    expect(changed.answer.outcome).toBe('changed');
    expect(changed.events.map((event) => event.type)).toEqual(['PermissionRoleChanged']);
    const revoked = await spec.when(() => spec.useCases.homes.revoke(homeId, OWNER, ADMIN, spec.contextOf(OWNER)));
    expect(revoked.events).toEqual([
      {
        stream: homeStream(homeId),
        type: 'PermissionRevoked',
        data: { home_id: homeId, user_id: ADMIN, previous_role: 'viewer', revoked_by: OWNER },
      },
    ]);
    expect(await spec.useCases.homes.roleOf(homeId, ADMIN)).toBeNull();
  });

  it('rename appends HomeRenamed with the previous name', async () => {
    const homeId = await givenHome();
    const renamed = await spec.when(() => spec.useCases.homes.rename(homeId, ADMIN, 'Villa', spec.contextOf(ADMIN)));
    expect(renamed.events).toEqual([
      {
        stream: homeStream(homeId),
        type: 'HomeRenamed',
        data: { home_id: homeId, name: 'Villa', previous_name: 'Home', renamed_by: ADMIN },
      },
    ]);
  });

  it('a stranger is told the home does not exist and nothing is written; an admin cannot raise to admin', async () => {
    const homeId = await givenHome();
    const stranger = await spec.whenRefused(
      () => spec.useCases.homes.grant(homeId, STRANGER, NEWCOMER, 'viewer', spec.contextOf(STRANGER)),
      'home_not_found',
    );
    expect(stranger.events).toEqual([]);
    const admin = await spec.whenRefused(
      () => spec.useCases.homes.grant(homeId, ADMIN, NEWCOMER, 'admin', spec.contextOf(ADMIN)),
      'forbidden',
    );
    expect(admin.events).toEqual([]);
  });
});
