import type { Context, Next } from 'koa';
import { HttpError } from '../http-error.ts';
import type { AdminDependencies } from './admin-dependencies.ts';

/**
 * After `requireUser`: the token must say staff AND the user's own stream must still say so (a role revoked by
 * an operator ends admin access at once, not when the token expires). Anyone else: 403, never data.
 */
export function requireStaff(admin: AdminDependencies) {
  return async (ctx: Context, next: Next) => {
    const userId = ctx.state.userId as string;
    if (ctx.state.staff !== true || !(await admin.staff.isActiveStaff(userId)))
      throw new HttpError(403, 'staff_only', 'This is for staff only');
    await next();
  };
}
