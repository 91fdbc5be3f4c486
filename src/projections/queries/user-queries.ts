import type { Knex } from 'knex';
import { prepareRead } from '../../database/prepared-read.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

/** The profile read on every `/api/auth/profile/`, compiled once (`database/prepared-read.ts`). */
export const userStatements = {
  byId: prepareRead('users_by_id', { user: 'text' }, (knex, { user }) =>
    knex('users').where({ id: user }).select('id', 'email', 'name', 'created_at', 'updated_at').limit(1),
  ),
};

export class UserQueries {
  constructor(private readonly knex: Knex) {}

  async byId(id: string): Promise<UserRow | null> {
    const [row] = await userStatements.byId.read<UserRow>(this.knex, { user: id });
    return row ?? null;
  }

  async byEmail(email: string): Promise<UserRow | null> {
    return (await this.knex<UserRow>('users').where({ email }).first()) ?? null;
  }
}
