import type { Knex } from 'knex';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  created_at: Date;
  updated_at: Date;
}

export class UserQueries {
  constructor(private readonly knex: Knex) {}

  async byId(id: string): Promise<UserRow | null> {
    return (await this.knex<UserRow>('users').where({ id }).first()) ?? null;
  }

  async byEmail(email: string): Promise<UserRow | null> {
    return (await this.knex<UserRow>('users').where({ email }).first()) ?? null;
  }
}
