import type { Knex } from 'knex';
import { prepareRead } from '../../database/prepared-read.ts';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

/**
 * The profile read on every `/api/auth/profile/` and the look-up by e-mail of a grant, compiled once
 * (`database/prepared-read.ts`).
 */
export const userStatements = {
  byId: prepareRead('users_by_id', { user: 'text' }, (knex, { user }) =>
    knex('users').where({ id: user }).select('id', 'email', 'name', 'created_at', 'updated_at').limit(1),
  ),
  // `select *`, as `.first()` read it before it was prepared.
  byEmail: prepareRead('users_by_email', { email: 'text' }, (knex, { email }) =>
    knex('users').where({ email }).select('*').limit(1),
  ),
};

export class UserQueries {
  constructor(private readonly knex: Knex) {}

  async byId(id: string): Promise<UserRow | null> {
    const [row] = await userStatements.byId.read<UserRow>(this.knex, { user: id });
    return row ?? null;
  }

  async byEmail(email: string): Promise<UserRow | null> {
    const [row] = await userStatements.byEmail.read<UserRow>(this.knex, { email });
    return row ?? null;
  }
}
