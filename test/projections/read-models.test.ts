import { describe, expect, it } from 'vitest';
import { gatewaysProjection } from '../../src/projections/read-models/gateways-projection.ts';
import { homesProjection } from '../../src/projections/read-models/homes-projection.ts';
import { membershipsProjection } from '../../src/projections/read-models/memberships-projection.ts';
import { remoteCommandsProjection } from '../../src/projections/read-models/remote-commands-projection.ts';
import { usersProjection } from '../../src/projections/read-models/users-projection.ts';
import { databaseTargets } from '../support/databases.ts';
import { tick, useReadModel } from '../support/read-model-spec.ts';

// Given events, then rows: each read model that had no spec of its own, applied straight through its projection.
const USER = '20000000-0000-4000-8000-000000000001';
const ADMIN = '20000000-0000-4000-8000-000000000002';
const VIEWER = '20000000-0000-4000-8000-000000000003';
const HOME = '10000000-0000-4000-8000-000000000001';
const OTHER_HOME = '10000000-0000-4000-8000-000000000002';
const GW = '30000000-0000-4000-8000-000000000001';
const GW2 = '30000000-0000-4000-8000-000000000002';
const CMD = '40000000-0000-4000-8000-000000000001';
const SESSION = '50000000-0000-4000-8000-000000000001';
const DIGEST = `hmac-sha256:${'a'.repeat(64)}`;
const HASH = 'c2NyeXB0AAAA';

describe.each(databaseTargets())('read models, given events then rows (%s)', (target) => {
  describe('users', () => {
    const users = useReadModel(usersProjection, target);
    const registered = {
      type: 'UserRegistered',
      data: { user_id: USER, email: 'a@example.com', name: 'Ann', password_hash: HASH },
    };

    it('a registration is a row; profile and e-mail changes update it and its updated_at', async () => {
      const { rows } = await users.given([
        registered,
        { type: 'UserProfileUpdated', data: { user_id: USER, name: 'Anna' } },
        { type: 'UserEmailChanged', data: { user_id: USER, email: 'b@example.com', previous_email: 'a@example.com' } },
      ]);
      expect(await rows('users', 'id')).toEqual([
        { id: USER, email: 'b@example.com', name: 'Anna', created_at: tick(0), updated_at: tick(2) },
      ]);
    });

    it('a repeated registration changes nothing; changes to an unknown user make no row', async () => {
      const { rows } = await users.given([
        registered,
        { ...registered, data: { ...registered.data, name: 'Impostor' } },
        { type: 'UserProfileUpdated', data: { user_id: ADMIN, name: 'Nobody' } },
        { type: 'UserEmailChanged', data: { user_id: ADMIN, email: 'c@example.com', previous_email: 'x@example.com' } },
      ]);
      expect(await rows('users', 'id')).toEqual([
        { id: USER, email: 'a@example.com', name: 'Ann', created_at: tick(0), updated_at: tick(0) },
      ]);
    });
  });

  describe('gateways', () => {
    const gateways = useReadModel(gatewaysProjection, target);
    const provisioned = (gatewayId: string, extra: Record<string, unknown> = {}) => ({
      type: 'GatewayProvisioned',
      data: { gateway_id: gatewayId, home_id: HOME, name: 'Hall', secret_digest: DIGEST, via: 'provision', ...extra },
    });
    const row = {
      home_id: HOME,
      name: 'Hall',
      version: null,
      status: 'pending',
      last_seen: null,
      revoked_at: null,
      deleted_at: null,
    };

    it('a provisioned gateway is pending with its version (or none); a repeat changes nothing', async () => {
      const { rows } = await gateways.given([
        provisioned(GW),
        provisioned(GW2, { version: '1.2.0', via: 'pairing' }),
        provisioned(GW, { name: 'Again' }),
      ]);
      expect(await rows('gateways', 'id')).toEqual([
        { ...row, id: GW, created_at: tick(0) },
        { ...row, id: GW2, version: '1.2.0', created_at: tick(1) },
      ]);
    });

    it('rename, revoke and delete keep the row: the new name, revoked with its time, deleted_at', async () => {
      const { rows } = await gateways.given([
        provisioned(GW),
        { type: 'GatewayRenamed', data: { gateway_id: GW, name: 'Attic', previous_name: 'Hall' } },
        { type: 'GatewayRevoked', data: { gateway_id: GW, home_id: HOME } },
        { type: 'GatewayDeleted', data: { gateway_id: GW, home_id: HOME } },
      ]);
      expect(await rows('gateways', 'id')).toEqual([
        {
          ...row,
          id: GW,
          name: 'Attic',
          status: 'revoked',
          created_at: tick(0),
          revoked_at: tick(2),
          deleted_at: tick(3),
        },
      ]);
    });
  });

  describe('homes', () => {
    const homes = useReadModel(homesProjection, target);

    it('a home created without a name is "Home"; with one, it carries it; a rename replaces it; a repeat changes nothing', async () => {
      const { rows } = await homes.given([
        { type: 'HomeCreated', data: { home_id: HOME, owner_id: USER } },
        { type: 'HomeCreated', data: { home_id: OTHER_HOME, owner_id: ADMIN, name: 'Cabin' } },
        { type: 'HomeRenamed', data: { home_id: HOME, name: 'Villa', previous_name: 'Home', renamed_by: USER } },
        { type: 'HomeCreated', data: { home_id: OTHER_HOME, owner_id: USER, name: 'Impostor' } },
      ]);
      expect(await rows('homes', 'id')).toEqual([
        { id: HOME, owner_id: USER, name: 'Villa', active_gateway_id: null, created_at: tick(0) },
        { id: OTHER_HOME, owner_id: ADMIN, name: 'Cabin', active_gateway_id: null, created_at: tick(1) },
      ]);
    });

    it('the active gateway follows attach and detach; a detach of another gateway leaves it', async () => {
      const created = { type: 'HomeCreated', data: { home_id: HOME, owner_id: USER } };
      const attached = (gatewayId: string) => ({
        type: 'HomeGatewayAttached',
        data: { home_id: HOME, gateway_id: gatewayId },
      });
      const detached = (gatewayId: string) => ({
        type: 'HomeGatewayDetached',
        data: { home_id: HOME, gateway_id: gatewayId, reason: 'revoked' },
      });
      const activeAfter = async (events: Array<{ type: string; data: Record<string, unknown> }>) =>
        (await (await homes.given([created, ...events])).rows('homes', 'id')).map((home) => home.active_gateway_id);
      expect(await activeAfter([attached(GW)])).toEqual([GW]);
      expect(await activeAfter([attached(GW), detached(GW2)])).toEqual([GW]);
      expect(await activeAfter([attached(GW), detached(GW)])).toEqual([null]);
      expect(await activeAfter([attached(GW), detached(GW), attached(GW2)])).toEqual([GW2]);
    });
  });

  describe('memberships', () => {
    const memberships = useReadModel(membershipsProjection, target);
    const granted = (userId: string, role: string, at?: string) => ({
      type: 'PermissionGranted',
      data: { home_id: HOME, user_id: userId, role, granted_by: USER },
      ...(at ? { at } : {}),
    });

    it('the creator is the owner; grants add members; a role change and a re-grant update the row; a revoke deletes it', async () => {
      const { rows } = await memberships.given([
        { type: 'HomeCreated', data: { home_id: HOME, owner_id: USER } },
        granted(ADMIN, 'admin'),
        granted(VIEWER, 'viewer'),
        {
          type: 'PermissionRoleChanged',
          data: { home_id: HOME, user_id: ADMIN, role: 'user', previous_role: 'admin', changed_by: USER },
        },
        {
          type: 'PermissionRevoked',
          data: { home_id: HOME, user_id: VIEWER, previous_role: 'viewer', revoked_by: USER },
        },
        { type: 'HomeCreated', data: { home_id: HOME, owner_id: ADMIN } },
      ]);
      expect(await rows('memberships', 'user_id')).toEqual([
        { home_id: HOME, user_id: USER, role: 'owner', granted_by: USER, granted_at: tick(0), updated_at: tick(0) },
        { home_id: HOME, user_id: ADMIN, role: 'user', granted_by: USER, granted_at: tick(1), updated_at: tick(3) },
      ]);
    });

    it('a grant to someone already a member replaces the membership whole (role, granter, times)', async () => {
      const { rows } = await memberships.given([granted(ADMIN, 'viewer'), granted(ADMIN, 'admin')]);
      expect(await rows('memberships', 'user_id')).toEqual([
        { home_id: HOME, user_id: ADMIN, role: 'admin', granted_by: USER, granted_at: tick(1), updated_at: tick(1) },
      ]);
    });
  });

  describe('remote_commands', () => {
    const commands = useReadModel(remoteCommandsProjection, target);
    const ids = { command_id: CMD, gateway_id: GW, home_id: HOME };
    const issued = (ttlS: number, expiresAt: string | null) => ({
      type: 'RemoteCommandIssued',
      data: {
        ...ids,
        device_id: 'lamp-1',
        action: 'turn_on',
        params: { brightness: 50 },
        issued_by: USER,
        issued_at: '2030-01-01T00:00:00.000Z',
        timeout_s: 10,
        ttl_s: ttlS,
        expires_at: expiresAt,
        fingerprint: 'f'.repeat(64),
      },
    });
    const dispatched = (attempt: number, at: string) => ({
      type: 'RemoteCommandDispatched',
      data: { ...ids, session_id: SESSION, node_id: 'n1', dispatched_at: at, attempt },
    });
    const row = async (events: Array<{ type: string; data: Record<string, unknown> }>) => {
      const [only, ...more] = await (await commands.given(events)).rows('remote_commands', 'id');
      expect(more).toEqual([]);
      return only;
    };

    it('an issued command waits for its ack deadline, or a queued one for its expiry; a repeat changes nothing', async () => {
      expect(await row([issued(0, null), issued(60, '2030-01-01T00:01:00.000Z')])).toEqual({
        id: CMD,
        gateway_id: GW,
        home_id: HOME,
        status: 'issued',
        device_id: 'lamp-1',
        action: 'turn_on',
        params: { brightness: 50 },
        issued_by: USER,
        issued_at: new Date('2030-01-01T00:00:00.000Z'),
        timeout_s: 10,
        ttl_s: 0,
        expires_at: null,
        dispatched_at: null,
        attempts: 0,
        deadline_at: new Date('2030-01-01T00:00:10.000Z'),
        completed_at: null,
        result: null,
        error: null,
        late_acks: 0,
      });
      expect(await row([issued(60, '2030-01-01T00:01:00.000Z')])).toMatchObject({
        ttl_s: 60,
        expires_at: new Date('2030-01-01T00:01:00.000Z'),
        deadline_at: new Date('2030-01-01T00:01:00.000Z'),
      });
    });

    it('each dispatch counts an attempt and moves the ack deadline; a dispatch of an unknown command makes no row', async () => {
      expect(
        await row([
          issued(60, '2030-01-01T00:01:00.000Z'),
          dispatched(1, '2030-01-01T00:00:05.000Z'),
          dispatched(2, '2030-01-01T00:00:30.000Z'),
        ]),
      ).toMatchObject({
        status: 'dispatched',
        attempts: 2,
        dispatched_at: new Date('2030-01-01T00:00:30.000Z'),
        deadline_at: new Date('2030-01-01T00:00:40.000Z'),
      });
      expect(
        await (await commands.given([dispatched(1, '2030-01-01T00:00:05.000Z')])).rows('remote_commands', 'id'),
      ).toEqual([]);
    });

    it('each outcome ends the command (no deadline) with its result or error; late acks are counted', async () => {
      const completed = '2030-01-01T00:00:07.000Z';
      const ended = { completed_at: new Date(completed), deadline_at: null };
      const start = [issued(0, null), dispatched(1, '2030-01-01T00:00:05.000Z')];
      expect(
        await row([
          ...start,
          { type: 'RemoteCommandSucceeded', data: { ...ids, result: { on: true }, completed_at: completed } },
        ]),
      ).toMatchObject({
        ...ended,
        status: 'succeeded',
        result: { on: true },
        error: null,
      });
      const error = { code: 'unknown_device', message: 'No device' };
      expect(
        await row([...start, { type: 'RemoteCommandFailed', data: { ...ids, error, completed_at: completed } }]),
      ).toMatchObject({ ...ended, status: 'failed', error });
      expect(
        await row([
          ...start,
          { type: 'RemoteCommandTimedOut', data: { ...ids, timeout_s: 10, completed_at: completed } },
        ]),
      ).toMatchObject({ ...ended, status: 'timed_out' });
      const late = {
        type: 'RemoteCommandLateAckRecorded',
        data: { ...ids, final_status: 'timed_out', ack_status: 'ok', received_at: completed },
      };
      expect(
        await row([
          ...start,
          { type: 'RemoteCommandTimedOut', data: { ...ids, timeout_s: 10, completed_at: completed } },
          late,
          late,
        ]),
      ).toMatchObject({
        status: 'timed_out',
        late_acks: 2,
      });
      const expired = {
        type: 'RemoteCommandExpired',
        data: { ...ids, expires_at: '2030-01-01T00:01:00.000Z', completed_at: completed },
      };
      expect(await row([issued(60, '2030-01-01T00:01:00.000Z'), expired])).toMatchObject({
        ...ended,
        status: 'expired',
        attempts: 0,
      });
    });
  });
});
