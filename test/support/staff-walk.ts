import { expect, vi } from 'vitest';
import { registerUser } from './fixtures.ts';
import { makeStaff, revokeStaffRole } from './staff.ts';
import type { TestServer } from './test-server.ts';

/**
 * Staff administration: an operator makes a staff member (StaffRoleGranted), who deactivates and reactivates a
 * user through the admin API with reasons and rebuilds a projection (ProjectionRebuildStarted … Completed); the
 * operator then takes the role away (StaffRoleRevoked).
 */
export async function walkStaff(server: TestServer): Promise<void> {
  const staff = await makeStaff(server, 'walk-staff');
  const user = await registerUser(server, 'walk-deactivated');
  for (const action of ['deactivate', 'reactivate']) {
    const response = await staff.http.post(`/api/admin/users/${user.id}/${action}`, {
      reason: `catalogue walk ${action}`,
    });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
  }
  const rebuild = await staff.http.post('/api/admin/projections/account_admin/rebuild', { reason: 'catalogue walk' });
  expect(rebuild.status, JSON.stringify(rebuild.body)).toBe(202);
  await vi.waitFor(
    async () => {
      const projection = await staff.http.get('/api/admin/projections/account_admin');
      expect(projection.body.rebuild).toMatchObject({ id: rebuild.body.rebuild_id, state: 'completed' });
    },
    { timeout: 30_000, interval: 50 },
  );
  await revokeStaffRole(server, staff.email);
}
