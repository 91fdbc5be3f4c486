import Router from '@koa/router';
import type { TokenService } from '../auth/token-service.ts';
import { requireUser } from '../middleware/authenticate.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { addAdminAuditRoutes } from './admin-audit-routes.ts';
import { addAdminFleetRoutes } from './admin-fleet-routes.ts';
import { addAdminGatewayRoutes } from './admin-gateway-routes.ts';
import { addAdminHomeRoutes } from './admin-home-routes.ts';
import { addAdminProjectionRoutes } from './admin-projection-routes.ts';
import { addAdminUserRoutes } from './admin-user-routes.ts';
import { requireStaff } from './require-staff.ts';
import { caseSensitiveRouter } from '../case-sensitive-router.ts';

/** `/api/admin/…`: staff only (401 without a token, 403 for anyone who is not staff in good standing). */
export function adminRoutes(tokens: TokenService, admin: AdminDependencies): Router {
  const router = caseSensitiveRouter('/api/admin');
  router.use(requireUser(tokens));
  router.use(requireStaff(admin));
  addAdminUserRoutes(router, admin);
  addAdminHomeRoutes(router, admin);
  addAdminGatewayRoutes(router, admin);
  addAdminFleetRoutes(router, admin);
  addAdminProjectionRoutes(router, admin);
  addAdminAuditRoutes(router, admin);
  return router;
}
