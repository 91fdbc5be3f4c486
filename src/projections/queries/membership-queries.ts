import type { Knex } from 'knex';
import type { Role } from '../../domain/homes/roles.ts';
import { pageBy, pageOfRows, type Keyset, type Page, type PageRequest } from './keyset-page.ts';

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

/** Homes and memberships, always seen through the caller's membership (tenant isolation lives in the SQL). */
export class MembershipQueries {
  constructor(private readonly knex: Knex) {}

  async roleOf(homeId: string, userId: string): Promise<Role | null> {
    const row = await this.knex('memberships').where({ home_id: homeId, user_id: userId }).first('role');
    return (row?.role as Role | undefined) ?? null;
  }

  async homeIdsOf(userId: string): Promise<string[]> {
    const rows = await this.knex('memberships').where({ user_id: userId }).orderBy('granted_at').select('home_id');
    return rows.map((row: { home_id: string }) => row.home_id);
  }

  async homesOf(userId: string, homeId?: string): Promise<HomeRow[]> {
    const query = this.homes(userId).orderBy([{ column: 'homes.created_at' }, { column: 'homes.id' }]);
    if (homeId !== undefined) query.where('homes.id', homeId);
    return query;
  }

  /** One page of `homesOf`, in the same order (oldest first). */
  async homePage(userId: string, page: PageRequest): Promise<Page<HomeRow>> {
    const rows = await pageBy(this.knex, this.homes(userId), HOME_ORDER, page);
    return pageOfRows(rows, page, (row) => row.id);
  }

  private homes(userId: string) {
    return this.knex('homes')
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

  async permissionsOf(homeId: string): Promise<PermissionRow[]> {
    return this.permissions()
      .where('memberships.home_id', homeId)
      .orderBy([{ column: 'memberships.granted_at' }, { column: 'memberships.user_id' }]);
  }

  /** One page of `permissionsOf`, in the same order (earliest grant first). */
  async permissionPage(homeId: string, page: PageRequest): Promise<Page<PermissionRow>> {
    const rows = await pageBy(this.knex, this.permissions().where('memberships.home_id', homeId), MEMBER_ORDER, page);
    return pageOfRows(rows, page, (row) => row.user_id);
  }

  async permission(homeId: string, userId: string): Promise<PermissionRow | null> {
    return (
      (await this.permissions().where({ 'memberships.home_id': homeId, 'memberships.user_id': userId }).first()) ?? null
    );
  }

  private permissions() {
    return this.knex('memberships')
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
}
