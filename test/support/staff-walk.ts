import { expect } from 'vitest';
import { registerUser } from './fixtures.ts';
import { makeStaff, revokeStaffRole } from './staff.ts';
import type { TestServer } from './test-server.ts';

/**
 * Staff administration: an operator makes a staff member (StaffRoleGranted), who deactivates and reactivates a
 * user through the admin API with reasons; the operator then takes the role away (StaffRoleRevoked).
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
  await revokeStaffRole(server, staff.email);
}
