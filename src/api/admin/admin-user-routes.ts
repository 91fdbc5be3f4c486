import type Router from '@koa/router';
import type { Context } from 'koa';
import type { AdminUserRow } from '../../projections/queries/admin-queries.ts';
import type { TokenFamilyRow } from '../../projections/queries/token-family-queries.ts';
import { isoOrNull, uuidParam } from '../path-params.ts';
import { validate } from '../validation.ts';
import type { AdminDependencies } from './admin-dependencies.ts';
import { usersQuery } from '../contracts/admin-contract.ts';
import { addListRoutes, answerWrite, reasonBody, staffContext } from './admin-query.ts';

/** The newest families shown in a user's detail (a family per login: an old account has many). */
const TOKEN_FAMILIES_SHOWN = 50;

const userItem = (row: AdminUserRow) => ({
  id: row.id,
  email: row.email,
  name: row.name,
  created_at: isoOrNull(row.created_at),
  staff: Boolean(row.staff),
  deactivated: Boolean(row.deactivated),
  deactivation_reason: row.deactivation_reason,
  last_login_at: isoOrNull(row.last_login_at),
});

const familyItem = (row: TokenFamilyRow) => ({
  id: row.family_id,
  created_at: isoOrNull(row.created_at)!,
  last_used_at: isoOrNull(row.last_used_at)!,
  client_address: row.client_address,
  user_agent: row.user_agent,
  last_client_address: row.last_client_address,
  last_user_agent: row.last_user_agent,
  revoked: row.revoked_reason !== null,
  revoked_reason: row.revoked_reason,
});

async function userDetail(admin: AdminDependencies, id: string) {
  const row = await admin.views.user(id);
  if (!row) return null;
  const [homes, families] = await Promise.all([
    admin.views.homesOfUser(id),
    admin.tokenFamilies.ofUser(id, TOKEN_FAMILIES_SHOWN),
  ]);
  return { ...userItem(row), homes, token_families: families.map(familyItem) };
}

/**
 * `/api/admin/users`: search by e-mail or name, detail (homes and roles, last login, refresh-token families),
 * deactivate and reactivate. Deactivation kills every token family at once (one event moves the user's credentials
 * version), refuses their access tokens on every node and closes their app sockets.
 */
export function addAdminUserRoutes(router: Router, admin: AdminDependencies): void {
  addListRoutes(router, '/users', {
    query: usersQuery,
    list: (query) => admin.views.users(query, query),
    item: userItem,
    detail: (id) => userDetail(admin, id),
    notFound: { code: 'user_not_found', message: 'No such user' },
  });

  const act = (action: 'deactivate' | 'reactivate') => async (ctx: Context) => {
    const id = uuidParam(ctx.params, 'id');
    const { reason } = validate(reasonBody, ctx.request.body);
    const write = await admin.staff[action](ctx.state.userId as string, id, reason, staffContext(ctx));
    admin.noteAccountChange({
      type: action === 'deactivate' ? 'UserDeactivated' : 'UserReactivated',
      data: { user_id: id },
    });
    await answerWrite(ctx, admin, write, `/api/admin/users/${id}`, () => userDetail(admin, id));
  };
  router.post('/users/:id/deactivate', act('deactivate'));
  router.post('/users/:id/reactivate', act('reactivate'));
}
