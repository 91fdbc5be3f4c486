import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';
import { prepareRead } from '../../database/prepared-read.ts';
import { preparePage, readPage, type Keyset, type Page, type PageRequest } from './keyset-page.ts';

export interface PermissionRow {
  user_id: string;
  email: string | null;
  name: string | null;
  role: Role;
  granted_by: string;
  granted_at: Date;
}

export interface HomeRow {
  id: string;
  name: string;
  owner_id: string;
  active_gateway_id: string | null;
  created_at: Date;
  role: Role;
}

const HOME_ORDER: Keyset = { at: 'homes.created_at', id: 'homes.id', order: 'asc' };
const MEMBER_ORDER: Keyset = { at: 'memberships.granted_at', id: 'memberships.user_id', order: 'asc' };

/** The user's homes with their role in each. */
function homesOfUser(knex: Knex, userId: string) {
  return knex('homes')
    .join('memberships', 'memberships.home_id', 'homes.id')
    .where('memberships.user_id', userId)
    .select(
      'homes.id',
      'homes.name',
      'homes.owner_id',
      'homes.active_gateway_id',
      'homes.created_at',
      'memberships.role',
    );
}

/** Members of homes with their e-mail and name (null once the user is gone). */
function permissions(knex: Knex) {
  return knex('memberships')
    .leftJoin('users', 'users.id', 'memberships.user_id')
    .select(
      'memberships.user_id',
      'users.email',
      'users.name',
      'memberships.role',
      'memberships.granted_by',
      'memberships.granted_at',
    );
}

const homesInOrder = (knex: Knex, userId: string) =>
  homesOfUser(knex, userId).orderBy([{ column: 'homes.created_at' }, { column: 'homes.id' }]);

/** The hot reads, compiled once (`database/prepared-read.ts`); exported for the spec that compares them with Knex. */
export const membershipStatements = {
  roleOf: prepareRead('membership_role', { home: 'text', user: 'text' }, (knex, { home, user }) =>
    knex('memberships').where({ home_id: home, user_id: user }).select('role').limit(1),
  ),
  homes: prepareRead('membership_homes', { user: 'text' }, (knex, { user }) => homesInOrder(knex, user)),
  home: prepareRead('membership_home', { user: 'text', home: 'text' }, (knex, { user, home }) =>
    homesInOrder(knex, user).where('homes.id', home),
  ),
  homePage: preparePage('membership_home_page', { user: 'text' }, HOME_ORDER, (knex, { user }) =>
    homesOfUser(knex, user),
  ),
  homeIds: prepareRead('membership_home_ids', { user: 'text' }, (knex, { user }) =>
    knex('memberships').where({ user_id: user }).orderBy('granted_at').select('home_id'),
  ),
  permissionPage: preparePage('membership_permission_page', { home: 'text' }, MEMBER_ORDER, (knex, { home }) =>
    permissions(knex).where('memberships.home_id', home),
  ),
  permission: prepareRead('membership_permission', { home: 'text', user: 'text' }, (knex, { home, user }) =>
    permissions(knex).where({ 'memberships.home_id': home, 'memberships.user_id': user }).limit(1),
  ),
};

/** Homes and memberships, always seen through the caller's membership (tenant isolation lives in the SQL). */
export class MembershipQueries {
  constructor(private readonly knex: Knex) {}

  async roleOf(homeId: string, userId: string): Promise<Role | null> {
    const [row] = await membershipStatements.roleOf.read<{ role: Role }>(this.knex, { home: homeId, user: userId });
    return row?.role ?? null;
  }

  async homeIdsOf(userId: string): Promise<string[]> {
    const rows = await membershipStatements.homeIds.read<{ home_id: string }>(this.knex, { user: userId });
    return rows.map((row) => row.home_id);
  }

  async homesOf(userId: string, homeId?: string): Promise<HomeRow[]> {
    if (homeId === undefined) return membershipStatements.homes.read<HomeRow>(this.knex, { user: userId });
    return membershipStatements.home.read<HomeRow>(this.knex, { user: userId, home: homeId });
  }

  /** One page of `homesOf`, in the same order (oldest first). */
  async homePage(userId: string, page: PageRequest): Promise<Page<HomeRow>> {
    return readPage(this.knex, membershipStatements.homePage, { user: userId }, page, (row: HomeRow) => row.id);
  }

  async permissionsOf(homeId: string): Promise<PermissionRow[]> {
    return permissions(this.knex)
      .where('memberships.home_id', homeId)
      .orderBy([{ column: 'memberships.granted_at' }, { column: 'memberships.user_id' }]);
  }

  /** One page of `permissionsOf`, in the same order (earliest grant first). */
  async permissionPage(homeId: string, page: PageRequest): Promise<Page<PermissionRow>> {
    return readPage(
      this.knex,
      membershipStatements.permissionPage,
      { home: homeId },
      page,
      (row: PermissionRow) => row.user_id,
    );
  }

  async permission(homeId: string, userId: string): Promise<PermissionRow | null> {
    const [row] = await membershipStatements.permission.read<PermissionRow>(this.knex, { home: homeId, user: userId });
    return row ?? null;
  }
}
